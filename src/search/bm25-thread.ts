import { parentPort } from 'node:worker_threads';
import { type Bm25Weights, type ListData, newScratch, topRows } from './bm25-memory.js';

// The worker side of MemoryBm25Index.searchBoth: runs topRows on the lists it is sent (views of the
// index's shared posting memory) and answers with the rows and scores.

export interface Bm25Job {
  id: number;
  lists: ListData[];
  len: Int32Array;
  avgdl: number;
  weights: Bm25Weights;
  limit: number;
}

export interface Bm25Answer {
  id: number;
  rows: Int32Array;
  scores: Float64Array;
  error?: string;
}

const scratch = newScratch();

parentPort?.on('message', (job: Bm25Job) => {
  try {
    const hits = topRows(job.lists, job.len, job.avgdl, job.weights, job.limit, scratch);
    const rows = Int32Array.from(hits, (h) => h.rowid);
    const scores = Float64Array.from(hits, (h) => h.score);
    parentPort!.postMessage({ id: job.id, rows, scores } satisfies Bm25Answer, [rows.buffer, scores.buffer]);
  } catch (e) {
    parentPort!.postMessage({ id: job.id, rows: new Int32Array(0), scores: new Float64Array(0), error: String((e as Error).stack ?? e) });
  }
});
