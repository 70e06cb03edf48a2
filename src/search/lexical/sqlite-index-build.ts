import crypto from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { Database } from '../../storage/database.js';
import { createProgress } from '../../util/progress.js';
import { PG_FILL_BATCH, PG_IMPORT_FILLERS, pgDeferSearch, pgFillSearchVectors, pgSearchState } from './postgres-index-build.js';

// Deferred lexical indexing for bulk imports (SQLite; migration 0007): "load, then build the
// index". A bulk import switches the papers triggers into deferred mode, where a new paper gets no
// search doc (nor FTS rows) and a changed, already indexed one is queued in search_pending. The
// build then indexes, in batched transactions, the papers after search_state.built_through (in
// rowid order) that have no search doc, and the queued docs, and switches deferral off in the
// transaction that finds nothing left. Each batch commits with the new built_through, so a killed
// build resumes where it stopped. On PostgreSQL the same functions defer and fill the papers'
// search_vector instead (postgres-index-build.ts, migration 0015), with the same takeover rule.

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
 * Switch the search triggers into deferred mode for a bulk import. SQLite: writes by other
 * processes meanwhile are deferred too (the mode is in the database); the build indexes them all.
 * PostgreSQL: records the deferral; only the bulk load's own transactions defer their vectors.
 */
export async function deferSearchIndexing(database: Database): Promise<IndexDeferral> {
  if (database.pg) return deferPostgres(database.pg);
  const raw = database.sqlite;
  if (!raw) return { heartbeat() {} };
  const owner = crypto.randomBytes(8).toString('hex');
  // Papers that exist now are indexed, unless an earlier deferral was never built: then the
  // build goes on from where that one stopped.
  raw
    .prepare(
      `UPDATE search_state SET built_through = CASE WHEN deferred = 1 THEN built_through ELSE (SELECT coalesce(max(rowid), 0) FROM papers) END,
              deferred = 1, deferred_by = ?, heartbeat_at = ? WHERE id = 1`,
    )
    .run(owner, new Date().toISOString());
  const beat = raw.prepare('UPDATE search_state SET heartbeat_at = ? WHERE id = 1 AND deferred = 1 AND deferred_by = ?');
  return everyHeartbeat((at) => beat.run(at.toISOString(), owner));
}

async function deferPostgres(pool: NonNullable<Database['pg']>): Promise<IndexDeferral> {
  const record = await pgDeferSearch(pool);
  // Best effort, as SQLite's: a missed beat only lets the worker start the fill early.
  return everyHeartbeat((at) => void record.heartbeat(at).catch(() => {}));
}

/** A deferral whose heartbeat() writes `beat` at most every HEARTBEAT_MS, however often an import calls it. */
function everyHeartbeat(beat: (at: Date) => void): IndexDeferral {
  let last = Date.now();
  return {
    heartbeat() {
      const now = Date.now();
      if (now - last < HEARTBEAT_MS) return;
      last = now;
      beat(new Date(now));
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
  if (database.pg) {
    const s = await pgSearchState(database.pg);
    return { deferred: s.deferred, pending: s.pending, heartbeatAt: s.heartbeatAt, importAlive: s.deferred && importAlive(s.heartbeatAt) };
  }
  const raw = database.sqlite;
  if (!raw) return { deferred: false, pending: 0, heartbeatAt: null, importAlive: false };
  const s = raw.prepare('SELECT deferred, heartbeat_at, built_through FROM search_state WHERE id = 1').get() as {
    deferred: number;
    heartbeat_at: string | null;
    built_through: number;
  };
  const pending = s.deferred ? countPending(raw, s.built_through) : 0;
  return { deferred: s.deferred === 1, pending, heartbeatAt: s.heartbeat_at, importAlive: s.deferred === 1 && importAlive(s.heartbeat_at) };
}

/** Papers after `builtThrough` (a few may have a doc already) plus queued docs: for progress, not exact. */
function countPending(raw: BetterSqlite3.Database, builtThrough: number): number {
  const r = raw.prepare('SELECT (SELECT count(*) FROM papers WHERE rowid > ?) + (SELECT count(*) FROM search_pending) AS n').get(builtThrough) as { n: number };
  return r.n;
}

function buildStatements(raw: BetterSqlite3.Database) {
  const ftsInsert = (table: string, from: string) =>
    raw.prepare(`INSERT INTO ${table} (rowid, title, abstract, authors) SELECT d.doc_id, p.title, p.abstract, p.authors ${from}`);
  // New papers: a batch is the next rowids after built_through, up to @to.
  const newDocs = 'FROM search_docs d JOIN papers p ON p.id = d.paper_id WHERE d.doc_id > @lastDoc ORDER BY d.doc_id';
  // Changed papers: the first queued docs, up to doc_id @hi.
  const queued = 'FROM search_pending q JOIN search_docs d ON d.doc_id = q.doc_id JOIN papers p ON p.id = d.paper_id WHERE q.doc_id <= @hi';
  return {
    state: raw.prepare<[], { deferred: number; heartbeat_at: string | null; built_through: number }>(
      'SELECT deferred, heartbeat_at, built_through FROM search_state WHERE id = 1',
    ),
    nextRange: raw.prepare<[number, number], { to: number | null }>(
      'SELECT max(rowid) AS "to" FROM (SELECT rowid FROM papers WHERE rowid > ? ORDER BY rowid LIMIT ?)',
    ),
    lastDoc: raw.prepare<[], { last: number }>('SELECT coalesce(max(doc_id), 0) AS last FROM search_docs'),
    // search_docs is AUTOINCREMENT: the docs made here are exactly those after lastDoc.
    addDocs: raw.prepare(
      `INSERT INTO search_docs (paper_id) SELECT id FROM papers p
        WHERE p.rowid > @from AND p.rowid <= @to AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.paper_id = p.id) ORDER BY p.rowid`,
    ),
    indexNew: [ftsInsert('papers_fts', newDocs), ftsInsert('papers_fts_exact', newDocs)],
    setBuiltThrough: raw.prepare('UPDATE search_state SET built_through = ? WHERE id = 1'),
    queuedHi: raw.prepare<[number], { hi: number | null }>('SELECT max(doc_id) AS hi FROM (SELECT doc_id FROM search_pending ORDER BY doc_id LIMIT ?)'),
    // FTS5 keeps its own copy of the text, so a stale row is deleted by rowid alone.
    deleteStale: [
      raw.prepare('DELETE FROM papers_fts WHERE rowid IN (SELECT doc_id FROM search_pending WHERE doc_id <= @hi)'),
      raw.prepare('DELETE FROM papers_fts_exact WHERE rowid IN (SELECT doc_id FROM search_pending WHERE doc_id <= @hi)'),
    ],
    indexQueued: [ftsInsert('papers_fts', queued), ftsInsert('papers_fts_exact', queued)],
    dequeue: raw.prepare('DELETE FROM search_pending WHERE doc_id <= @hi'),
    // Papers are never deleted by Paperboy; should one be deleted by hand while deferred, a new
    // paper could take its rowid behind built_through: the counts tell, and the build rescans.
    counts: raw.prepare<[], { papers: number; docs: number }>('SELECT (SELECT count(*) FROM papers) AS papers, (SELECT count(*) FROM search_docs) AS docs'),
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
 * then switch deferral off, unless another import is still running; on PostgreSQL, fill the
 * missing search vectors likewise. Null on a dialect that never defers.
 */
export async function buildSearchIndex(database: Database, options: BuildOptions = {}): Promise<BuildResult | null> {
  const start = process.hrtime.bigint();
  const role = options.role ?? 'import';
  if (database.pg) {
    const { indexed, complete } = await pgFillSearchVectors(database.pg, {
      progress: options.progress ?? false,
      batchSize: options.batchSize ?? PG_FILL_BATCH,
      fillers: role === 'import' ? PG_IMPORT_FILLERS : 1,
      // The import that finishes ends its deferral; the worker never ends a live import's.
      mayEnd: (heartbeatAt) => role === 'import' || !importAlive(heartbeatAt),
      shouldStop: options.shouldStop,
      between: async () => {
        options.deferral?.heartbeat();
        await options.between?.();
      },
    });
    return { indexed, seconds: Number(process.hrtime.bigint() - start) / 1e9, complete };
  }
  const raw = database.sqlite;
  if (!raw) return null;
  const st = buildStatements(raw);
  const batchSize = options.batchSize ?? BUILD_BATCH;
  const initial = st.state.get()!;
  if (!initial.deferred) return { indexed: 0, seconds: 0, complete: true };
  const total = countPending(raw, initial.built_through);
  const bar = createProgress('index', 'papers', process.stderr, options.progress ?? false);
  let indexed = 0;
  let complete = false;
  // One batch: index the next papers (or queued docs) and record how far it got; when nothing is
  // left, end deferral in the same transaction, so no write can slip in between unindexed.
  const batch = raw.transaction((): { n: number; done: boolean } => {
    const s = st.state.get()!;
    if (!s.deferred) {
      complete = true;
      return { n: 0, done: true };
    }
    const { to } = st.nextRange.get(s.built_through, batchSize)!;
    if (to !== null) {
      const { last } = st.lastDoc.get()!;
      st.addDocs.run({ from: s.built_through, to });
      const n = st.indexNew[0].run({ lastDoc: last }).changes;
      st.indexNew[1].run({ lastDoc: last });
      st.setBuiltThrough.run(to);
      return { n, done: false };
    }
    const { hi } = st.queuedHi.get(batchSize)!;
    if (hi !== null) {
      for (const d of st.deleteStale) d.run({ hi });
      const n = st.indexQueued[0].run({ hi }).changes;
      st.indexQueued[1].run({ hi });
      st.dequeue.run({ hi });
      return { n, done: false };
    }
    const c = st.counts.get()!;
    if (c.papers !== c.docs) {
      st.setBuiltThrough.run(0);
      return { n: 0, done: false };
    }
    // The import that finishes ends its deferral; the worker never ends a live import's.
    complete = role === 'import' || !importAlive(s.heartbeat_at);
    if (complete) st.undefer.run();
    return { n: 0, done: true };
  }).immediate;
  for (;;) {
    if (options.shouldStop?.()) break;
    const { n, done } = batch();
    indexed += n;
    bar.update(indexed, total ? Math.min(1, indexed / total) : undefined);
    if (done) break;
    options.deferral?.heartbeat();
    await options.between?.();
  }
  bar.finish();
  return { indexed, seconds: Number(process.hrtime.bigint() - start) / 1e9, complete };
}

export function formatBuild(r: BuildResult): string {
  return `index: ${r.indexed} papers indexed for search in ${r.seconds.toFixed(1)} s`;
}
