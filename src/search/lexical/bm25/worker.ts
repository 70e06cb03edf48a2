import { Worker } from 'node:worker_threads';
import type { RowHit } from './formula.js';
import type { Bm25Answer, Bm25Job } from './worker-thread.js';

/** The thread MemoryBm25Index.searchSplit hands the upper half of the rows to (worker-thread.ts). */
export class Bm25Worker {
  private seq = 0;
  private dead: Error | null = null;
  private readonly pending = new Map<number, { resolve: (hits: RowHit[][]) => void; reject: (e: Error) => void }>();

  private constructor(private readonly thread: Worker) {
    thread.on('message', (a: Bm25Answer) => {
      const p = this.pending.get(a.id);
      if (!p) return;
      this.pending.delete(a.id);
      if (this.pending.size === 0) thread.unref();
      if (a.error) p.reject(new Error(`search: bm25 worker: ${a.error}`));
      else {
        // The answers of the job's searches one after the other, counts[i] rows each.
        let at = 0;
        p.resolve(Array.from(a.counts, (n) => Array.from(a.rows.subarray(at, (at += n)), (rowid, k) => ({ rowid, score: a.scores[at - n + k] }))));
      }
    });
    const fail = (e: Error) => {
      this.dead ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    thread.on('error', fail);
    thread.on('exit', (code) => fail(new Error(`search: bm25 worker stopped (exit code ${code})`)));
    // Idle, it does not keep the process alive; a query in flight does (run refs it).
    thread.unref();
  }

  static start(): Bm25Worker | null {
    try {
      return new Bm25Worker(new Worker(new URL('./worker-thread.js', import.meta.url)));
    } catch {
      return null;
    }
  }

  run(job: Omit<Bm25Job, 'id'>): Promise<RowHit[][]> {
    if (this.dead) return Promise.reject(this.dead);
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.thread.ref();
      this.thread.postMessage({ id, ...job } satisfies Bm25Job);
    });
  }

  async close(): Promise<void> {
    await this.thread.terminate();
  }
}
