import { parentPort } from 'node:worker_threads';
import type { ListData } from './cursors.js';
import type { Bm25Weights } from './formula.js';
import { newScratch, type RowPart, topRows } from './top-k.js';

// The worker side of MemoryBm25Index.searchSplit: runs topRows on the lists it is sent (views of the
// index's shared posting memory) over its part of the rows, one search after the other, and answers
// with the rows and scores of each.

export interface Bm25Job {
  id: number;
  searches: { lists: ListData[]; part: RowPart }[];
  len: Int32Array;
  /** rows left out of every answer (MemoryBm25Index.dead) */
  dead?: Uint8Array;
  avgdl: number;
  weights: Bm25Weights;
  limit: number;
}

export interface Bm25Answer {
  id: number;
  /** the rows of the searches' answers one after the other: counts[i] of search i */
  rows: Int32Array;
  scores: Float64Array;
  counts: Int32Array;
  error?: string;
}

const scratch = newScratch();

parentPort?.on('message', (job: Bm25Job) => {
  try {
    const hits = job.searches.map((q) => topRows(q.lists, job.len, job.avgdl, job.weights, job.limit, scratch, q.part, job.dead));
    const all = hits.flat();
    const rows = Int32Array.from(all, (h) => h.rowid);
    const scores = Float64Array.from(all, (h) => h.score);
    const counts = Int32Array.from(hits, (h) => h.length);
    parentPort!.postMessage({ id: job.id, rows, scores, counts } satisfies Bm25Answer, [rows.buffer, scores.buffer, counts.buffer]);
  } catch (e) {
    parentPort!.postMessage({
      id: job.id,
      rows: new Int32Array(0),
      scores: new Float64Array(0),
      counts: new Int32Array(0),
      error: String((e as Error).stack ?? e),
    });
  }
});
