import crypto from 'node:crypto';
import type pg from 'pg';
import { createProgress } from '../../util/progress.js';

// Deferred search vectors for bulk imports (PostgreSQL; migration 0015), the twin of SQLite's
// deferred FTS5 index (sqlite-index-build.ts, which calls these on a PostgreSQL database). The
// import's bulk load writes its batches with `SET LOCAL paperboy.defer_search = 'on'`, so the papers
// trigger leaves their search_vector NULL (src/papers/store-postgres.ts); search_state records that
// an import deferred them and its heartbeat. The fill then computes the NULL vectors in batches, in
// id order, each batch one statement of its own (a killed fill loses at most one batch), and ends
// the deferral in the transaction that finds none left. Unlike SQLite's, the deferral is per
// transaction: a harvest or a single-paper write meanwhile computes its vector at once.

/** Papers per fill statement: large enough to amortise the statement, small enough to hold few row locks for long. */
export const PG_FILL_BATCH = 10_000;
/** Fill statements an import runs at once (the worker runs one, beside the requests it serves). */
export const PG_IMPORT_FILLERS = 2;

export interface PgDeferralRecord {
  owner: string;
  heartbeat(at: Date): Promise<void>;
}

export async function pgDeferSearch(pool: pg.Pool): Promise<PgDeferralRecord> {
  const owner = crypto.randomBytes(8).toString('hex');
  await pool.query('UPDATE search_state SET deferred = 1, deferred_by = $1, heartbeat_at = $2 WHERE id = 1', [owner, new Date().toISOString()]);
  return {
    owner,
    async heartbeat(at) {
      await pool.query('UPDATE search_state SET heartbeat_at = $1 WHERE id = 1 AND deferred = 1 AND deferred_by = $2', [at.toISOString(), owner]);
    },
  };
}

export interface PgSearchState {
  deferred: boolean;
  heartbeatAt: string | null;
  /** papers whose vector is still NULL (the partial index papers_search_vector_missing holds them) */
  pending: number;
}

export async function pgSearchState(pool: pg.Pool): Promise<PgSearchState> {
  const r = await pool.query<{ deferred: number; heartbeat_at: string | null; pending: number }>(
    'SELECT deferred, heartbeat_at, (SELECT count(*) FROM papers WHERE search_vector IS NULL) AS pending FROM search_state WHERE id = 1',
  );
  const s = r.rows[0];
  return { deferred: Number(s.deferred) === 1, heartbeatAt: s.heartbeat_at, pending: Number(s.pending) };
}

// The next batch of missing vectors after id $1, filled with the trigger's own expression. Rows a
// concurrent filler has locked are its own batch and skipped; a harvest that wrote one of them
// meanwhile computed it already, and the recheck skips it.
const FILL = `WITH batch AS (
    SELECT id FROM papers WHERE search_vector IS NULL AND id > $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
  ), filled AS (
    UPDATE papers p SET search_vector = paperboy_search_vector(p.title, p.abstract, p.authors)
    FROM batch WHERE p.id = batch.id AND p.search_vector IS NULL
    RETURNING p.id
  )
  SELECT (SELECT count(*) FROM filled) AS n, (SELECT max(id) FROM batch) AS hi`;

export interface PgFillOptions {
  progress: boolean;
  batchSize: number;
  /** batches filled at once, each on its own connection (and core) */
  fillers: number;
  /** whether this filler may end the deferral, given the state's heartbeat */
  mayEnd: (heartbeatAt: string | null) => boolean;
  between: () => Promise<void>;
  shouldStop?: () => boolean;
}

export async function pgFillSearchVectors(pool: pg.Pool, options: PgFillOptions): Promise<{ indexed: number; complete: boolean }> {
  const initial = await pgSearchState(pool);
  if (!initial.deferred && !initial.pending) return { indexed: 0, complete: true };
  const bar = createProgress('index', 'papers', process.stderr, options.progress);
  let indexed = 0;
  let stopped = false;
  // One filler's pass over the missing vectors in id order; the others leapfrog its locked batch.
  const pass = async () => {
    let after = '';
    for (;;) {
      if (stopped || options.shouldStop?.()) {
        stopped = true;
        return;
      }
      const r = await pool.query<{ n: number; hi: string | null }>(FILL, [after, options.batchSize]);
      const { n, hi } = r.rows[0];
      indexed += Number(n);
      bar.update(indexed, initial.pending ? Math.min(1, indexed / initial.pending) : undefined);
      if (hi === null) return;
      after = hi;
      await options.between();
    }
  };
  let complete = false;
  for (;;) {
    await Promise.all(Array.from({ length: Math.max(1, options.fillers) }, pass));
    if (stopped) break;
    // Nothing left to any filler: end the deferral unless a vector went missing behind them
    // meanwhile (a write of a still-running import), in the same transaction that looked.
    const end = await endDeferral(pool, options.mayEnd);
    if (end === 'again') continue;
    complete = end === 'ended';
    break;
  }
  bar.finish();
  return { indexed, complete };
}

async function endDeferral(pool: pg.Pool, mayEnd: (heartbeatAt: string | null) => boolean): Promise<'ended' | 'kept' | 'again'> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const s = await client.query<{ deferred: number; heartbeat_at: string | null }>('SELECT deferred, heartbeat_at FROM search_state WHERE id = 1 FOR UPDATE');
    const missing = await client.query('SELECT 1 FROM papers WHERE search_vector IS NULL LIMIT 1');
    let end: 'ended' | 'kept' | 'again' = 'again';
    if (!missing.rowCount) {
      const { deferred, heartbeat_at } = s.rows[0];
      end = !Number(deferred) || mayEnd(heartbeat_at) ? 'ended' : 'kept';
      if (end === 'ended' && Number(deferred)) await client.query('UPDATE search_state SET deferred = 0, deferred_by = NULL, heartbeat_at = NULL WHERE id = 1');
    }
    await client.query('COMMIT');
    return end;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}
