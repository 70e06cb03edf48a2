import { parentPort } from 'node:worker_threads';
import { CorpusModel } from '../corpus-model/model.js';
import { dot, feedbackQuery } from '../vectors/vector-math.js';
import { type VectorSnapshot, searchSnapshot } from '../vectors/vector-store.js';
import type { ThreadAnswer, ThreadJob, ThreadMessage, ThreadResult, VectorsResult } from './messages.js';

// A search thread: answers the CPU-bound parts of searches (query embedding, the soft word and sentence matches,
// the vector side of hybrid ranking) for the pool in pool.ts, over the models and vectors it was sent
// (the large arrays on shared memory, so each thread reads the main thread's copy).

const models = new Map<number, CorpusModel>();
const snapshots = new Map<number, Omit<VectorSnapshot, 'key'>>();

function run(job: ThreadJob): { result: ThreadResult; transfer: ArrayBuffer[] } {
  if (job.kind !== 'vectors') {
    const model = models.get(job.model);
    if (!model) throw new Error(`no model ${job.model} on this thread`);
    if (job.kind === 'soft') return { result: model.softMatch(job.query, job.docs), transfer: [] };
    if (job.kind === 'sentence') return { result: model.sentenceMatch(job.query, job.docs), transfer: [] };
    const v = model.embed(job.text);
    return { result: v, transfer: [v.buffer as ArrayBuffer] };
  }
  const s = snapshots.get(job.vectors);
  if (!s) throw new Error(`no vectors ${job.vectors} on this thread`);
  const { dim, data } = s;
  // As answerVectors does on the main thread, row for paper (fusion.ts): the same arithmetic in the
  // same order, so that the ranking is the same wherever it runs.
  const hits: Float32Array[] = [];
  for (const row of job.feedback) if (row >= 0) hits.push(data.subarray(row * dim, (row + 1) * dim));
  const moved = feedbackQuery(job.query, hits, job.feedbackWeight);
  const top = searchSnapshot(s, moved, job.k);
  const candidateScores = Float64Array.from(job.candidates, (row) => (row >= 0 && row < s.rows ? dot(moved, 0, data, row * dim, dim) : Number.NaN));
  const result: VectorsResult = {
    epoch: s.epoch,
    topRows: Int32Array.from(top, (h) => h.index),
    topScores: Float32Array.from(top, (h) => h.score),
    candidateScores,
  };
  return { result, transfer: [result.topRows.buffer, result.topScores.buffer, candidateScores.buffer] as ArrayBuffer[] };
}

parentPort?.on('message', (m: ThreadMessage) => {
  if (m.t === 'model') models.set(m.key, new CorpusModel(m.model.vocab, m.model.idf, m.model.dim, m.model.vectors, m.model.version));
  else if (m.t === 'vectors') snapshots.set(m.key, m.snapshot);
  else if (m.t === 'drop') (m.what === 'model' ? models : snapshots).delete(m.key);
  else {
    let answer: ThreadAnswer;
    let transfer: ArrayBuffer[] = [];
    try {
      const done = run(m.job);
      answer = { id: m.id, result: done.result };
      transfer = done.transfer;
    } catch (e) {
      answer = { id: m.id, error: String((e as Error).stack ?? e) };
    }
    parentPort!.postMessage(answer, transfer);
  }
});
