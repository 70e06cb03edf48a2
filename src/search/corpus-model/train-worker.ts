import os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { type BaseUse, DEFAULT_MERGE, WARM_MERGE, mergeWithBase } from './base.js';
import { CorpusModel } from './model.js';
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions, type TrainedMembers, type TrainingDoc, combineMembers, memberSeeds, trainMembers } from './training.js';

// Trains a corpus model's members on worker threads, a share of the seeds each, so that the 8
// members of the default model take the time of 4 on a 2-core machine.

interface Job {
  trainMembersJob: true;
  docs: TrainingDoc[];
  opts: Omit<TrainOptions, 'onProgress'>;
  seeds: number[];
}

type Message = { batches: number; perMember: number } | { done: TrainedMembers };

/**
 * `trainCorpusModel` on up to `threads` worker threads. `onProgress` gets the batches done so far,
 * over all members, and how many there are in all; then the members aligned onto the first (several
 * seconds each for a large vocabulary) and how many there are to align.
 */
export async function trainCorpusModelOnThreads(
  docs: TrainingDoc[],
  options: Partial<TrainOptions> = {},
  threads = os.availableParallelism(),
  onProgress?: (done: number, of: number, phase: 'train' | 'align') => void,
): Promise<{ model: CorpusModel; losses: number[] }> {
  const { onProgress: _ignored, ...opts } = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  const seeds = memberSeeds(opts);
  const n = Math.max(1, Math.min(threads, seeds.length));
  const shares = Array.from({ length: n }, (_, t) => seeds.filter((_, k) => k % n === t));
  const done = new Array<number>(n).fill(0);
  const results = await Promise.all(
    shares.map(
      (share, t) =>
        new Promise<TrainedMembers>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), {
            workerData: { trainMembersJob: true, docs, opts, seeds: share } satisfies Job,
          });
          worker.on('message', (m: Message) => {
            if ('batches' in m) {
              done[t] = m.batches;
              // Members have the same number of batches, give or take one (a sentence drawn at
              // random may have no known word, which drops its pair), so this total is close enough.
              onProgress?.(
                done.reduce((a, b) => a + b, 0),
                m.perMember * seeds.length,
                'train',
              );
            } else resolve(m.done);
          });
          worker.once('error', reject);
          worker.once('exit', (code) => {
            if (code !== 0) reject(new Error(`search: a training thread exited with code ${code}`));
          });
        }),
    ),
  );
  // Back in seed order, so that the result is the same whatever the number of threads.
  const tables: Float32Array[] = [];
  const losses: number[][] = [];
  seeds.forEach((_, k) => {
    const r = results[k % n];
    tables.push(r.tables[Math.floor(k / n)]);
    losses.push(r.losses[Math.floor(k / n)]);
  });
  const model = combineMembers({ vocab: results[0].vocab, idf: results[0].idf, tables }, opts.dim, docs.length, (k, of) => onProgress?.(k, of, 'align'));
  return { model, losses: losses.flat() };
}

/**
 * `trainCorpusModelOnThreads` with the base model (`base`; null: none): a warm start trains from
 * the base's vectors and then adds the words only the base knows, a merge trains from random and
 * merges the result with the base (corpus-model/base.ts). A model of another dimension than the
 * base (`train-embedder --dim`) neither starts from it nor is merged: it is the instance's own.
 * `merged` says whether the base was used.
 */
export async function trainWithBaseOnThreads(
  docs: TrainingDoc[],
  options: Partial<TrainOptions>,
  base: BaseUse | null,
  threads = os.availableParallelism(),
  onProgress?: (done: number, of: number, phase: 'train' | 'align') => void,
): Promise<{ model: CorpusModel; merged: boolean }> {
  const baseModel = base ? await CorpusModel.load(base.file) : null;
  const dim = options.dim ?? DEFAULT_TRAIN_OPTIONS.dim;
  if (!baseModel || baseModel.dim !== dim) return { model: (await trainCorpusModelOnThreads(docs, options, threads, onProgress)).model, merged: false };
  const warm = base?.start === 'warm';
  const start = warm ? { vocab: baseModel.vocab, vectors: baseModel.vectors, dim } : undefined;
  const { model: own } = await trainCorpusModelOnThreads(docs, { ...options, start }, threads, onProgress);
  return { model: mergeWithBase(own, baseModel, warm ? WARM_MERGE : DEFAULT_MERGE), merged: true };
}

interface SaveJob {
  trainAndSaveJob: true;
  docs: TrainingDoc[];
  opts: Omit<TrainOptions, 'onProgress'>;
  threads: number;
  out: string;
  base: BaseUse | null;
}

export interface SavedModel {
  version: string;
  words: number;
  dim: number;
}

type SaveMessage = { progress: [number, number, 'train' | 'align'] } | { saved: SavedModel };

/**
 * Trains a model and writes it to `out` (atomically) all off this thread: the members on `threads`
 * threads, and their alignment, seconds per member, on one more, starting from or merged with the
 * base model `base` (when not null: trainWithBaseOnThreads). A web process keeps answering while its worker role retrains.
 * `stop` ends the training; nothing is written then.
 */
export function trainAndSaveOffThread(
  docs: TrainingDoc[],
  options: Partial<TrainOptions>,
  out: string,
  threads: number,
  base: BaseUse | null,
  onProgress?: (done: number, of: number, phase: 'train' | 'align') => void,
): { done: Promise<SavedModel>; stop(): Promise<void> } {
  const { onProgress: _ignored, ...opts } = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { trainAndSaveJob: true, docs, opts, threads, out, base } satisfies SaveJob,
  });
  let stopped = false;
  const done = new Promise<SavedModel>((resolve, reject) => {
    worker.on('message', (m: SaveMessage) => {
      if ('progress' in m) onProgress?.(...m.progress);
      else resolve(m.saved);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(stopped ? 'search: training stopped' : `search: the training thread exited with code ${code}`)));
  });
  return {
    done,
    async stop() {
      stopped = true;
      await worker.terminate();
    },
  };
}

if (!isMainThread && parentPort && (workerData as SaveJob | undefined)?.trainAndSaveJob) {
  const { docs, opts, threads, out, base } = workerData as SaveJob;
  const port = parentPort;
  const { model } = await trainWithBaseOnThreads(docs, opts, base, threads, (done, of, phase) =>
    port.postMessage({ progress: [done, of, phase] } satisfies SaveMessage),
  );
  await model.save(out);
  port.postMessage({ saved: { version: model.version, words: model.vocab.length, dim: model.dim } } satisfies SaveMessage);
}

if (!isMainThread && parentPort && (workerData as Job | undefined)?.trainMembersJob) {
  const { docs, opts, seeds } = workerData as Job;
  const port = parentPort;
  const r = trainMembers(
    docs,
    {
      ...opts,
      onProgress: ({ member, epoch, batch, batches }) => {
        const perMember = batches * opts.epochs;
        const doneHere = member * perMember + epoch * batches + batch + 1;
        if (doneHere % 10 === 0 || doneHere === perMember * seeds.length) {
          port.postMessage({ batches: doneHere, perMember } satisfies Message);
        }
      },
    },
    seeds,
  );
  port.postMessage({ done: r } satisfies Message, r.tables.map((t) => t.buffer) as ArrayBuffer[]);
}
