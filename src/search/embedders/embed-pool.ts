import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { CorpusModel } from '../corpus-model/model.js';

// `paperboy embed` on all cores: each thread loads the corpus model from its file once and embeds
// the share of each batch it is sent; the vectors come back without a copy.

interface Job {
  embedPoolJob: true;
  file: string;
}

type Request = { id: number; papers: { title: string; abstract: string }[] };
type Reply = { ready: string } | { id: number; vectors: Float32Array } | { id: number; error: string };

export interface EmbedPool {
  /** the model version the threads loaded */
  readonly version: string;
  embedPapers(papers: { title: string; abstract: string }[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** Starts `threads` threads on the model in `file`. */
export async function startEmbedPool(file: string, threads: number, dim: number): Promise<EmbedPool> {
  const workers = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<{ worker: Worker; version: string }>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: { embedPoolJob: true, file } satisfies Job });
          worker.once('message', (m: Reply) =>
            'ready' in m ? resolve({ worker, version: m.ready }) : reject(new Error('search: embedding thread did not start')),
          );
          worker.once('error', reject);
        }),
    ),
  );
  const versions = new Set(workers.map((w) => w.version));
  if (versions.size !== 1) {
    // The file was replaced while the threads loaded it.
    await Promise.all(workers.map((w) => w.worker.terminate()));
    throw new Error(`search: the model file ${file} changed while loading it`);
  }
  let next = 0;
  const pending = new Map<number, { resolve: (v: Float32Array) => void; reject: (e: Error) => void }>();
  for (const { worker } of workers) {
    worker.on('message', (m: Reply) => {
      if (!('id' in m)) return;
      const p = pending.get(m.id);
      pending.delete(m.id);
      if ('error' in m) p?.reject(new Error(m.error));
      else p?.resolve(m.vectors);
    });
    worker.on('error', (e) => {
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    });
  }
  const ask = (worker: Worker, papers: Request['papers']) =>
    new Promise<Float32Array>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, papers } satisfies Request);
    });
  return {
    version: workers[0].version,
    async embedPapers(papers) {
      const share = Math.ceil(papers.length / workers.length);
      const parts = await Promise.all(workers.map(({ worker }, t) => ask(worker, papers.slice(t * share, (t + 1) * share))));
      return parts.flatMap((flat) => Array.from({ length: flat.length / dim }, (_, i) => flat.subarray(i * dim, (i + 1) * dim)));
    },
    async close() {
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}

if (!isMainThread && parentPort && (workerData as Job | undefined)?.embedPoolJob) {
  const port = parentPort;
  const model = await CorpusModel.load((workerData as Job).file);
  port.on('message', ({ id, papers }: Request) => {
    try {
      const out = new Float32Array(papers.length * model.dim);
      papers.forEach((p, i) => model.embedPaper(p.title, p.abstract, out, i * model.dim));
      port.postMessage({ id, vectors: out } satisfies Reply, [out.buffer]);
    } catch (e) {
      port.postMessage({ id, error: (e as Error).message } satisfies Reply);
    }
  });
  port.postMessage({ ready: model.version } satisfies Reply);
}
