import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../storage/database.js';
import { type Progress, createProgress } from '../util/progress.js';
import type { BaseUse } from './corpus-model/base.js';
import { CORPUS_MODEL_NAME } from './corpus-model/model.js';
import type { TrainOptions } from './corpus-model/training.js';
import { publishModel } from './embedders/model-store.js';
import { trainWithBaseOnThreads } from './corpus-model/train-worker.js';
import type { Embedder } from './embedders/embedder.js';
import { corpusModelPath } from './embedders/embedder.js';
import { countMissingVectors, papersMissingVectors, putVectors } from './vectors/vector-store.js';
import { startEmbedPool } from './embedders/embed-pool.js';
import { withTrainingClaim } from './retrain.js';
import { processOwner } from '../util/process-owner.js';

// Embedding the corpus and training the corpus model in bulk: the `embed` and `train-embedder`
// commands. The worker role's background embedding is a job in src/jobs/definitions.ts.

const EMBED_BATCH = 500;
/** Papers per batch on threads: each thread embeds its share while the next batch is read. */
const POOL_BATCH = 2000;

/**
 * Embeds every paper that has no vector from this model version, on `threads` threads when the
 * model has a file to load there (the corpus model). Resumable: each batch is committed, and a rerun
 * picks up the papers still missing.
 */
export async function embedMissing(database: Database, embedder: Embedder, opts: { progress?: boolean; threads?: number } = {}): Promise<number> {
  const total = await countMissingVectors(database, embedder);
  const bar = createProgress('embed', 'papers', process.stderr, opts.progress ?? true);
  const threads = Math.max(1, Math.min(opts.threads ?? 1, Math.ceil(total / EMBED_BATCH)));
  const pool = threads > 1 && embedder.file ? await startEmbedPool(embedder.file, threads, embedder.dim) : null;
  try {
    if (pool && pool.version !== embedder.version) {
      throw new Error(`embed: the model file now holds version ${pool.version}, not ${embedder.version}: run embed again`);
    }
    const size = pool ? POOL_BATCH : EMBED_BATCH;
    let done = 0;
    let batch = await papersMissingVectors(database, embedder, size);
    while (batch.length) {
      const vectors = pool ? pool.embedPapers(batch) : embedder.embedPapers(batch);
      // Read on while the threads embed.
      const next = papersMissingVectors(database, embedder, size, batch[batch.length - 1].id);
      const v = await vectors;
      await putVectors(
        database,
        embedder,
        batch.map((p, i) => ({ id: p.id, vector: v[i] })),
      );
      done += batch.length;
      bar.update(done, total ? Math.min(1, done / total) : undefined);
      batch = await next;
    }
    bar.finish(`embed: ${done} papers embedded with ${embedder.name}@${embedder.version}${pool ? ` on ${threads} threads` : ''}`);
    return done;
  } finally {
    await pool?.close();
  }
}

/** Trains the corpus model on every paper in the database and writes it to DATA_DIR/models. */
export async function trainEmbedder(
  database: Database,
  dataDir: string,
  options: Partial<TrainOptions> = {},
  out = corpusModelPath(dataDir),
  base: BaseUse | null = null,
): Promise<{ file: string; papers: number; version: string }> {
  // The instance's own model is what the worker role retrains: the two never write it at once.
  const shared = path.resolve(out) === path.resolve(corpusModelPath(dataDir));
  const owner = processOwner('#train-embedder');
  if (!shared) return trainAndSave(database, options, out, base);
  const r = await withTrainingClaim(database, owner, async () => {
    const trained = await trainAndSave(database, options, out, base);
    // Processes on other hosts follow it from the database, as they do a retrain.
    await publishModel(database, out, { name: CORPUS_MODEL_NAME, version: trained.version, papers: trained.papers });
    return trained;
  });
  if (!r)
    throw new Error('train-embedder: a worker is retraining the model right now; wait for it to finish (its log says when), or write elsewhere with --out');
  return r;
}

async function trainAndSave(
  database: Database,
  options: Partial<TrainOptions>,
  out: string,
  base: BaseUse | null,
): Promise<{ file: string; papers: number; version: string }> {
  const rows = await database.db.selectFrom('papers').select(['title', 'abstract']).orderBy('id').execute();
  if (rows.length < 50) throw new Error(`search: ${rows.length} papers are too few to train an embedder (want 50 or more)`);
  const train = createProgress('train-embedder', 'batches', process.stderr, true);
  // A second line once the members are trained: aligning them takes seconds each.
  let align: Progress | undefined;
  // The base model's word relations for what these papers know little of (EMBEDDER_BASE): trained
  // from (EMBEDDER_BASE_START=warm) or merged in.
  const { model, merged } = await trainWithBaseOnThreads(rows, options, base, undefined, (done, of, phase) => {
    if (phase === 'train') return train.update(done, of ? Math.min(1, done / of) : undefined);
    if (!align) {
      train.finish();
      align = createProgress('train-embedder: aligning', 'members', process.stderr, true);
    }
    align.update(done, done / of);
  });
  (align ?? train).finish();
  if (merged) console.error(`train-embedder: ${base?.start === 'warm' ? 'started from' : 'merged with'} the base model ${base?.file}`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await model.save(out);
  console.error(`train-embedder: ${model.vocab.length} words, ${model.dim} dimensions -> ${out}`);
  return { file: out, papers: rows.length, version: model.version };
}
