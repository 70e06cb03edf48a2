import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../storage/database.js';
import { ownerIsDead } from '../util/process-owner.js';
import type { BaseUse } from './corpus-model/base.js';
import { CORPUS_MODEL_NAME } from './corpus-model/model.js';
import type { TrainOptions } from './corpus-model/training.js';
import { publishModel } from './embedders/model-store.js';
import { corpusModelPath } from './embedders/embedder.js';
import { type SavedModel, trainAndSaveOffThread } from './corpus-model/train-worker.js';

// "Retrained when the corpus has grown enough": the worker role checks every hour whether the
// instance has this many percent more papers than its corpus model was trained on
// (EMBEDDER_RETRAIN_PERCENT), and if so trains a new one on all of them, off the event loop, and
// replaces DATA_DIR/models/corpus.pbem. Every process follows that file (EmbedderSource.poll):
// workers embed the papers with the new model, and search moves to it once all are embedded
// (SearchService.useEmbedder). One worker trains at a time (a lease in embedder_training).

/** A worker that trains renews its claim this often; one that died lets it run out. */
export const RETRAIN_LEASE_MS = 10 * 60_000;
/** How often the worker role looks at the corpus's growth. */
export const RETRAIN_CHECK_MS = 60 * 60_000;
/** So that a small instance does not retrain for every few papers, whatever the percentage. */
export const RETRAIN_MIN_NEW_PAPERS = 200;
/**
 * A retrain reads the newest this many papers: training time and memory grow with the papers
 * (11.5 minutes and 1.7 GB of peak RSS for 46k on the one thread a web process spares), and a
 * model of the recent field serves search as well.
 */
export const RETRAIN_MAX_PAPERS = 100_000;
/** `trainEmbedder`'s floor. */
const MIN_TRAINING_PAPERS = 50;

/** Whether `papers` is enough growth over the `trainedOn` papers of the current model. */
export function retrainDue(papers: number, trainedOn: number | null | undefined, percent: number, minNew = RETRAIN_MIN_NEW_PAPERS): boolean {
  if (!(percent > 0) || trainedOn === null || trainedOn === undefined) return false;
  const grown = papers - trainedOn;
  return papers >= MIN_TRAINING_PAPERS && grown >= minNew && grown * 100 >= trainedOn * percent;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Claims the corpus model's training for `owner` until `leaseMs` from now. False while another
 * process holds an unexpired claim (and is alive, when it runs on this host). A compare-and-set on
 * what was read, so two claimers never both win.
 */
export async function claimTraining(database: Database, owner: string, leaseMs = RETRAIN_LEASE_MS): Promise<boolean> {
  const row = await database.db.selectFrom('embedder_training').select(['claimed_by', 'lease_until']).where('name', '=', 'corpus').executeTakeFirst();
  if (!row) return false;
  const now = Date.now();
  if (row.claimed_by && row.lease_until && row.lease_until > iso(now) && !ownerIsDead(row.claimed_by)) return false;
  const r = await database.db
    .updateTable('embedder_training')
    .set({ claimed_by: owner, lease_until: iso(now + leaseMs), started_at: iso(now), last_error: null })
    .where('name', '=', 'corpus')
    .where((eb) => (row.claimed_by === null ? eb('claimed_by', 'is', null) : eb('claimed_by', '=', row.claimed_by)))
    .where((eb) => (row.lease_until === null ? eb('lease_until', 'is', null) : eb('lease_until', '=', row.lease_until)))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

async function renewTraining(database: Database, owner: string, leaseMs: number): Promise<void> {
  await database.db
    .updateTable('embedder_training')
    .set({ lease_until: iso(Date.now() + leaseMs) })
    .where('name', '=', 'corpus')
    .where('claimed_by', '=', owner)
    .execute();
}

async function releaseTraining(database: Database, owner: string, outcome: { papers: number; version: string } | { error: string }): Promise<void> {
  await database.db
    .updateTable('embedder_training')
    .set({
      claimed_by: null,
      lease_until: null,
      ...('error' in outcome
        ? { last_error: outcome.error }
        : { finished_at: iso(Date.now()), papers: outcome.papers, version: outcome.version, last_error: null }),
    })
    .where('name', '=', 'corpus')
    .where('claimed_by', '=', owner)
    .execute();
}

/**
 * Runs `fn` holding the training claim, renewed while it runs, and records its outcome; null
 * (without running it) when another process holds the claim.
 */
export async function withTrainingClaim<T extends { papers: number; version: string }>(
  database: Database,
  owner: string,
  fn: () => Promise<T>,
  leaseMs = RETRAIN_LEASE_MS,
): Promise<T | null> {
  if (!(await claimTraining(database, owner, leaseMs))) return null;
  const renew = setInterval(() => void renewTraining(database, owner, leaseMs).catch(() => undefined), leaseMs / 4);
  renew.unref();
  try {
    const r = await fn();
    await releaseTraining(database, owner, { papers: r.papers, version: r.version });
    return r;
  } catch (e) {
    await releaseTraining(database, owner, { error: (e as Error).message }).catch(() => undefined);
    throw e;
  } finally {
    clearInterval(renew);
  }
}

/** For /healthz: whether a training is running (an unexpired claim), and how the last one ended. */
export async function trainingState(
  database: Database,
): Promise<{ running: boolean; since: string | null; lastFinishedAt: string | null; lastVersion: string | null; lastError: string | null }> {
  const r = await database.db.selectFrom('embedder_training').selectAll().where('name', '=', 'corpus').executeTakeFirst();
  const running = Boolean(r?.claimed_by && r.lease_until && r.lease_until > iso(Date.now()));
  return {
    running,
    since: running ? (r?.started_at ?? null) : null,
    lastFinishedAt: r?.finished_at ?? null,
    lastVersion: r?.version ?? null,
    lastError: r?.last_error ?? null,
  };
}

export interface RetrainOptions {
  database: Database;
  dataDir: string;
  /** EMBEDDER_RETRAIN_PERCENT; 0 never retrains */
  percent: number;
  /** papers the model in use was trained on (null: not a corpus model) */
  trainedOn: () => number | null | undefined;
  owner: string;
  log: (line: string) => void;
  train?: Partial<TrainOptions>;
  /** the base model a trained model starts from or is merged with (EMBEDDER_BASE, EMBEDDER_BASE_START); null or absent: none */
  base?: BaseUse | null;
  /** training threads; by default all cores but one, which the web role keeps */
  threads?: number;
  minNewPapers?: number;
  /** the newest papers trained on at most */
  maxPapers?: number;
  leaseMs?: number;
  /** asked every half second and at each progress report while training; true stops it and writes nothing */
  shouldStop?: () => boolean;
}

export type RetrainResult =
  | { status: 'not-due'; papers: number; trainedOn: number | null }
  | { status: 'busy' }
  | { status: 'trained'; papers: number; model: SavedModel; file: string; seconds: number }
  | { status: 'failed'; error: string };

/** One check: trains and writes a new corpus model when the corpus has grown enough and no one else is training. */
export async function retrainIfDue(o: RetrainOptions): Promise<RetrainResult> {
  const model = o.trainedOn() ?? null;
  // The last finished training counts too: its model may not have been picked up by this process yet.
  const last = await o.database.db.selectFrom('embedder_training').select('papers').where('name', '=', 'corpus').executeTakeFirst();
  const trainedOn = model === null ? null : Math.max(model, Number(last?.papers ?? 0));
  const count = await o.database.db
    .selectFrom('papers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const papers = Number(count.n);
  if (!retrainDue(papers, trainedOn, o.percent, o.minNewPapers)) return { status: 'not-due', papers, trainedOn };
  const started = Date.now();
  let watch: NodeJS.Timeout | undefined;
  try {
    const r = await withTrainingClaim(
      o.database,
      o.owner,
      async () => {
        const out = corpusModelPath(o.dataDir);
        fs.mkdirSync(path.dirname(out), { recursive: true });
        removeStaleTemporaries(out);
        const rows = await o.database.db
          .selectFrom('papers')
          .select(['title', 'abstract'])
          .orderBy('id', 'desc')
          .limit(o.maxPapers ?? RETRAIN_MAX_PAPERS)
          .execute();
        const threads = o.threads ?? Math.max(1, os.availableParallelism() - 1);
        const sample = rows.length < papers ? ` on the newest ${rows.length}` : '';
        o.log(
          `retrain: ${papers} papers, ${papers - trainedOn!} more than the search model was trained on: training a new one${sample} on ${threads} thread(s)`,
        );
        let shown = 0;
        const job = trainAndSaveOffThread(rows, o.train ?? {}, out, threads, o.base ?? null, (done, of, phase) => {
          if (o.shouldStop?.()) void job.stop();
          // A line per quarter of the training: this runs for minutes in a server's log.
          const quarter = Math.floor((done / of) * 4);
          if (phase === 'train' && quarter > shown && quarter < 4) {
            shown = quarter;
            o.log(`retrain: ${quarter * 25}% trained (${Math.round((Date.now() - started) / 1000)} s)`);
          }
        });
        watch = setInterval(() => {
          if (o.shouldStop?.()) void job.stop();
        }, 500);
        const model = await job.done;
        // For the processes on other hosts (their own DATA_DIR): they copy it from the database.
        await publishModel(o.database, out, { name: CORPUS_MODEL_NAME, version: model.version, papers });
        // The corpus's size, not the sample's: growth is counted from it.
        return { papers, version: model.version, model, file: out };
      },
      o.leaseMs,
    );
    if (!r) return { status: 'busy' };
    const seconds = (Date.now() - started) / 1000;
    o.log(
      `retrain: wrote ${r.file} (version ${r.version}, ${r.model.words} words) in ${Math.round(seconds)} s; papers are embedded with it next, and search switches to it when 98% are`,
    );
    return { status: 'trained', papers: r.papers, model: r.model, file: r.file, seconds };
  } catch (e) {
    const error = (e as Error).message;
    o.log(`retrain: failed: ${error}`);
    return { status: 'failed', error };
  } finally {
    clearInterval(watch);
  }
}

/** A training killed while writing leaves `corpus.pbem.tmp-PID`; the model file itself is replaced by a rename. */
function removeStaleTemporaries(out: string): void {
  const dir = path.dirname(out);
  const prefix = `${path.basename(out)}.tmp-`;
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith(prefix) && name !== `${prefix}${process.pid}`) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** How soon a worker looks again when retraining was due but another process held the claim (it may have died). */
export const RETRAIN_BUSY_RETRY_MS = 60_000;
