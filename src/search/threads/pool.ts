import { Worker } from 'node:worker_threads';
import type { CorpusModel } from '../corpus-model/model.js';
import type { VectorSnapshot } from '../vectors/vector-store.js';
import type { SharedModel, ThreadAnswer, ThreadJob, ThreadMessage, ThreadResult, VectorsResult } from './messages.js';

/**
 * A pool of search threads (worker-thread.ts), so that the CPU-bound parts of searches run beside the
 * event loop instead of on it: query embedding and the soft word match with the corpus model, and the
 * vector side of hybrid ranking (feedback, nearest vectors, candidates' similarity). Each job goes to
 * the thread with the fewest jobs waiting. A thread is told of a model or a set of vectors once, before
 * its first job on them; the large arrays are shared memory, so N threads hold no copy of them.
 */
export interface SearchThreads {
  readonly size: number;
  embed(model: CorpusModel, text: string): Promise<Float32Array>;
  softMatch(model: CorpusModel, query: string, docs: readonly { title: string; abstract: string }[]): Promise<number[]>;
  sentenceMatch(model: CorpusModel, query: string, docs: readonly { title: string; abstract: string }[]): Promise<number[]>;
  vectors(
    snapshot: VectorSnapshot,
    job: { query: Float32Array; feedback: Int32Array; feedbackWeight: number; k: number; candidates: Int32Array },
  ): Promise<VectorsResult>;
  close(): Promise<void>;
}

/** Each thread keeps at most this many models and vector sets (the current ones and the ones being replaced). */
const KEEP = 2;

class Thread {
  pending = new Map<number, { resolve: (r: ThreadResult) => void; reject: (e: Error) => void }>();
  models: number[] = [];
  vectorSets: number[] = [];
  dead: Error | null = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (a: ThreadAnswer) => {
      const p = this.pending.get(a.id);
      if (!p) return;
      this.pending.delete(a.id);
      if (this.pending.size === 0) worker.unref();
      if (a.error !== undefined) p.reject(new Error(`search thread: ${a.error}`));
      else p.resolve(a.result!);
    });
    const fail = (e: Error) => {
      this.dead ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`search thread stopped (exit code ${code})`)));
    // Idle, it does not keep the process alive; a job in flight does.
    worker.unref();
  }

  /** Sends a model or vector set unless the thread has it; forgets the oldest beyond KEEP. */
  ensure(what: 'model' | 'vectors', key: number, message: () => ThreadMessage): void {
    const held = what === 'model' ? this.models : this.vectorSets;
    if (held.includes(key)) return;
    this.worker.postMessage(message());
    held.push(key);
    // Jobs sent earlier on the dropped one are answered first: a thread reads its messages in order.
    while (held.length > KEEP) this.worker.postMessage({ t: 'drop', what, key: held.shift()! } satisfies ThreadMessage);
  }
}

export function startSearchThreads(size: number): SearchThreads {
  const threads: (Thread | null)[] = Array.from({ length: size }, () => null);
  let seq = 0;
  const modelKeys = new WeakMap<CorpusModel, { key: number; shared: SharedModel }>();
  let nextModelKey = 0;

  /**
   * An idle thread, else a new one while there is room, else the one with the fewest jobs waiting. A
   * thread that died is started again; none is started before it is needed (a CLI search needs one).
   */
  function pick(): Thread {
    for (let i = 0; i < threads.length; i++) if (threads[i]?.dead) threads[i] = null;
    const live = threads.filter((t): t is Thread => t !== null);
    const idle = live.find((t) => t.pending.size === 0);
    if (idle) return idle;
    const free = threads.indexOf(null);
    if (free >= 0) return (threads[free] = new Thread(new Worker(new URL('./worker-thread.js', import.meta.url))));
    return live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  function send<T extends ThreadResult>(t: Thread, job: ThreadJob, transfer: ArrayBuffer[] = []): Promise<T> {
    const id = ++seq;
    return new Promise<T>((resolve, reject) => {
      t.pending.set(id, { resolve: resolve as (r: ThreadResult) => void, reject });
      t.worker.ref();
      t.worker.postMessage({ t: 'job', id, job } satisfies ThreadMessage, transfer);
    });
  }

  function modelOn(t: Thread, model: CorpusModel): number {
    let m = modelKeys.get(model);
    if (!m) {
      // Its vectors as they are when already in shared memory (a model loaded from a file), else
      // copied once onto shared memory (a model just trained).
      let vectors = model.vectors;
      if (!(vectors.buffer instanceof SharedArrayBuffer)) {
        vectors = new Float32Array(new SharedArrayBuffer(model.vectors.byteLength));
        vectors.set(model.vectors);
      }
      m = { key: ++nextModelKey, shared: { vocab: model.vocab, idf: model.idf, dim: model.dim, vectors, version: model.version } };
      modelKeys.set(model, m);
    }
    const { key, shared } = m;
    t.ensure('model', key, () => ({ t: 'model', key, model: shared }));
    return key;
  }

  function match(kind: 'soft' | 'sentence', model: CorpusModel, query: string, docs: readonly { title: string; abstract: string }[]): Promise<number[]> {
    const t = pick();
    return send<number[]>(t, { kind, model: modelOn(t, model), query, docs: docs.map((d) => ({ title: d.title, abstract: d.abstract })) });
  }

  return {
    size,
    embed(model, text) {
      const t = pick();
      return send<Float32Array>(t, { kind: 'embed', model: modelOn(t, model), text });
    },
    softMatch(model, query, docs) {
      return match('soft', model, query, docs);
    },
    sentenceMatch(model, query, docs) {
      return match('sentence', model, query, docs);
    },
    vectors(snapshot, job) {
      const t = pick();
      const { key, ...rest } = snapshot;
      t.ensure('vectors', key, () => ({ t: 'vectors', key, snapshot: rest }));
      return send<VectorsResult>(t, { kind: 'vectors', vectors: key, ...job });
    },
    async close() {
      await Promise.all(threads.map((t) => t?.worker.terminate()));
      threads.fill(null);
    },
  };
}
