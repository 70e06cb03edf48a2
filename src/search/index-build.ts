import crypto from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { Database } from '../storage/database.js';
import { createProgress } from '../util/progress.js';

// Deferred lexical indexing for bulk imports (SQLite; migration 0007): "load, then build the
// index". A bulk import switches the papers triggers into deferred mode, where a write only
// records its search doc in search_pending; the build then drains search_pending into both FTS
// tables in batched transactions and switches deferral off in the transaction that empties it.
// Each batch commits on its own, so a killed build resumes where it stopped. PostgreSQL's tsvector
// is a generated column, always in step: there, every function here is a no-op.

/** Docs per build transaction: large enough to amortise the commit, small enough to keep other writers waiting briefly. */
const BUILD_BATCH = 5000;
/** How often a running import shows that it is alive. */
const HEARTBEAT_MS = 10_000;
/** A deferral whose import has not shown signs of life for this long is taken over by the worker. */
export const STALE_DEFERRAL_MS = 2 * 60_000;

export interface IndexDeferral {
  /** Record that the import is still running (at most every few seconds; cheap to call per batch). */
  heartbeat(): void;
}

/**
 * Switch the search triggers into deferred mode for a bulk import. Writes by other processes
 * meanwhile are deferred too (the mode is in the database); the build indexes them all.
 */
export function deferSearchIndexing(database: Database): IndexDeferral {
  const raw = database.sqlite;
  if (!raw) return { heartbeat() {} };
  const owner = crypto.randomBytes(8).toString('hex');
  raw.prepare("UPDATE search_state SET deferred = 1, deferred_by = ?, heartbeat_at = ? WHERE id = 1").run(owner, new Date().toISOString());
  const beat = raw.prepare('UPDATE search_state SET heartbeat_at = ? WHERE id = 1 AND deferred = 1 AND deferred_by = ?');
  let last = Date.now();
  return {
    heartbeat() {
      const now = Date.now();
      if (now - last < HEARTBEAT_MS) return;
      last = now;
      beat.run(new Date(now).toISOString(), owner);
    },
  };
}

function importAlive(heartbeatAt: string | null): boolean {
  return heartbeatAt !== null && Date.now() - Date.parse(heartbeatAt) < STALE_DEFERRAL_MS;
}

export interface SearchIndexState {
  deferred: boolean;
  pending: number;
  /** when the import that deferred indexing last showed signs of life */
  heartbeatAt: string | null;
  /** deferred by an import that is still running (it builds the index itself) */
  importAlive: boolean;
}

export async function searchIndexState(database: Database): Promise<SearchIndexState> {
  const raw = database.sqlite;
  if (!raw) return { deferred: false, pending: 0, heartbeatAt: null, importAlive: false };
  const s = raw.prepare('SELECT deferred, heartbeat_at FROM search_state WHERE id = 1').get() as { deferred: number; heartbeat_at: string | null };
  const { n } = raw.prepare('SELECT count(*) AS n FROM search_pending').get() as { n: number };
  return { deferred: s.deferred === 1, pending: n, heartbeatAt: s.heartbeat_at, importAlive: s.deferred === 1 && importAlive(s.heartbeat_at) };
}

function buildStatements(raw: BetterSqlite3.Database) {
  // The batch is the first BUILD_BATCH pending docs; `hi` is its last doc_id, so every statement
  // below sees the same set (the transaction holds the write lock).
  const inBatch = 'doc_id IN (SELECT doc_id FROM search_pending WHERE doc_id <= @hi)';
  const insert = (table: string) =>
    raw.prepare(
      `INSERT INTO ${table} (rowid, title, abstract, authors)
       SELECT d.doc_id, p.title, p.abstract, p.authors
         FROM search_pending q JOIN search_docs d ON d.doc_id = q.doc_id JOIN papers p ON p.id = d.paper_id
        WHERE q.doc_id <= @hi ORDER BY q.doc_id`,
    );
  return {
    hi: raw.prepare<[number], { hi: number | null }>('SELECT max(doc_id) AS hi FROM (SELECT doc_id FROM search_pending ORDER BY doc_id LIMIT ?)'),
    deleteStale: [
      raw.prepare(`DELETE FROM papers_fts WHERE rowid IN (SELECT doc_id FROM search_pending WHERE doc_id <= @hi AND in_fts = 1)`),
      raw.prepare(`DELETE FROM papers_fts_exact WHERE rowid IN (SELECT doc_id FROM search_pending WHERE doc_id <= @hi AND in_fts = 1)`),
    ],
    insert: [insert('papers_fts'), insert('papers_fts_exact')],
    done: raw.prepare(`DELETE FROM search_pending WHERE ${inBatch}`),
    left: raw.prepare<[], { one: number }>('SELECT 1 AS one FROM search_pending LIMIT 1'),
    state: raw.prepare<[], { deferred: number; deferred_by: string | null; heartbeat_at: string | null }>(
      'SELECT deferred, deferred_by, heartbeat_at FROM search_state WHERE id = 1',
    ),
    undefer: raw.prepare('UPDATE search_state SET deferred = 0, deferred_by = NULL, heartbeat_at = NULL WHERE id = 1'),
  };
}

export interface BuildOptions {
  progress?: boolean;
  batchSize?: number;
  /**
   * Who builds: 'import' (the import that deferred indexing, right after it finishes) switches
   * deferral off once nothing is pending; 'worker' only does so when no import is alive.
   */
  role?: 'import' | 'worker';
  /** the import's own deferral: kept alive while its build runs */
  deferral?: IndexDeferral;
  /** stop between batches when this returns true (worker shutdown) */
  shouldStop?: () => boolean;
  /** called between batches, e.g. to let requests in */
  between?: () => Promise<void>;
}

export interface BuildResult {
  indexed: number;
  seconds: number;
  /** whether deferral is now off (nothing pending, no live import) */
  complete: boolean;
}

/**
 * Drain search_pending into both FTS tables in batched transactions (resumable after a kill),
 * then switch deferral off, unless another import is still running. Null on a dialect that never defers.
 */
export async function buildSearchIndex(database: Database, options: BuildOptions = {}): Promise<BuildResult | null> {
  const start = process.hrtime.bigint();
  const raw = database.sqlite;
  const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
  if (!raw) return null;
  const st = buildStatements(raw);
  const batchSize = options.batchSize ?? BUILD_BATCH;
  const role = options.role ?? 'import';
  const total = (raw.prepare('SELECT count(*) AS n FROM search_pending').get() as { n: number }).n;
  const bar = createProgress('index', 'papers', process.stderr, options.progress ?? false);
  let indexed = 0;
  let complete = false;
  // One batch: index, mark done, and if that emptied the queue, end deferral in the same
  // transaction, so no write can slip in between as pending and stay unindexed.
  const batch = raw
    .transaction((): { n: number; empty: boolean } => {
      const { hi } = st.hi.get(batchSize)!;
      let n = 0;
      if (hi !== null) {
        for (const s of st.deleteStale) s.run({ hi });
        n = st.insert[0].run({ hi }).changes;
        st.insert[1].run({ hi });
        st.done.run({ hi });
      }
      if (st.left.get()) return { n, empty: false };
      const s = st.state.get()!;
      // The import that finishes ends its deferral; the worker never ends a live import's.
      if (s.deferred === 1 && (role === 'import' || !importAlive(s.heartbeat_at))) st.undefer.run();
      complete = s.deferred === 0 || role === 'import' || !importAlive(s.heartbeat_at);
      return { n, empty: true };
    })
    .immediate;
  for (;;) {
    if (options.shouldStop?.()) break;
    const { n, empty } = batch();
    indexed += n;
    bar.update(indexed, total ? Math.min(1, indexed / total) : undefined);
    if (empty) break;
    options.deferral?.heartbeat();
    await options.between?.();
  }
  bar.finish();
  return { indexed, seconds: seconds(), complete };
}

export function formatBuild(r: BuildResult): string {
  return `index: ${r.indexed} papers indexed for search in ${r.seconds.toFixed(1)} s`;
}
