// The papers store's SQLite path for writes: prepared statements on the raw connection, and the WAL
// settings of a bulk load. src/papers/store.ts chooses it when the database is SQLite.
import type BetterSqlite3 from 'better-sqlite3';
import { BackgroundCheckpointer } from '../storage/checkpointer.js';
import type { PaperRecord } from './paper.js';
import { findCodeLinks } from './code-links.js';
import { type Existing, plan, ROW_COLUMNS, summarise, UPDATED_COLUMNS, type UpsertSummary } from './upsert-plan.js';

// SQLite checkpoints the WAL into the database file, with two fsyncs, in the commit that takes the
// WAL past wal_autocheckpoint pages (1000 by default): in a bulk load that is every batch, and the
// fsyncs were most of the commit's time. A bulk load checkpoints on a second thread instead
// (BackgroundCheckpointer), after every batch, and starts the WAL over once it holds 256 MiB: each
// restart waits for the batch written during the last checkpoint to be copied, so a longer WAL
// means fewer waits (alternating runs of 200k papers: 18,638, 18,883 and 19,346 papers/s against
// 17,830, 18,652 and 17,502 at 64 MiB). Without that thread, SQLite's own auto-checkpoint runs
// every 64 MiB; with it, at twice the restart length, as a backstop.
const BULK_CHECKPOINT_PAGES = 16384;
const BULK_WAL_PAGES = 65536;

// Category rows per multi-row INSERT on the SQLite path (3 parameters each).
const CATEGORY_ROWS_PER_STATEMENT = 100;

/**
 * SQLite path: cached prepared statements on the raw connection, run inside the transaction Kysely
 * opened on that same connection. Re-preparing an 8,500-parameter statement per batch cost more
 * than the writes themselves; so one lookup per batch (ids as a JSON array), one positional
 * single-row upsert per paper, and category rows a hundred to a statement.
 */
function sqliteStatements(raw: BetterSqlite3.Database) {
  const cols = ROW_COLUMNS;
  const categoryRows = (n: number) => Array.from({ length: n }, () => '(?, ?, ?)').join(', ');
  return {
    existing: raw.prepare<[string], { id: string; version: number; updated_at: string; content_hash: string }>(
      'SELECT id, version, updated_at, content_hash FROM papers WHERE id IN (SELECT value FROM json_each(?))',
    ),
    upsert: raw.prepare(
      `INSERT INTO papers (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT (id) DO UPDATE SET ${UPDATED_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    ),
    deleteCategories: raw.prepare('DELETE FROM paper_categories WHERE paper_id = ?'),
    insertCategory: raw.prepare(`INSERT INTO paper_categories (paper_id, category, position) VALUES ${categoryRows(1)}`),
    insertCategories: raw.prepare(`INSERT INTO paper_categories (paper_id, category, position) VALUES ${categoryRows(CATEGORY_ROWS_PER_STATEMENT)}`),
  };
}

function writeBatchSqlite(st: ReturnType<typeof sqliteStatements>, records: PaperRecord[]): UpsertSummary {
  const existing = new Map<string, Existing>();
  for (const e of st.existing.all(JSON.stringify(records.map((r) => r.id)))) existing.set(e.id, e);
  const { outcomes, toWrite, changedIds } = plan(records, existing);
  const now = new Date().toISOString();
  const changed = new Set(changedIds);
  // paper_id, category, position, ... for every category row of the batch
  const categories: (string | number)[] = [];
  for (const { record: r, hash } of toWrite) {
    const found = findCodeLinks(r.abstract, r.comments);
    // In the order of `row()`'s keys, which name the columns.
    st.upsert.run(
      r.id,
      r.version,
      r.title,
      r.abstract,
      JSON.stringify(r.authors),
      JSON.stringify(r.categories),
      r.categories[0],
      r.publishedAt,
      r.updatedAt,
      r.comments,
      r.journalRef,
      r.doi,
      r.license,
      null,
      null,
      found.repo,
      found.page,
      found.links.length ? JSON.stringify(found.links) : null,
      hash,
      now,
    );
    if (changed.has(r.id)) st.deleteCategories.run(r.id);
    let position = 0;
    for (const c of new Set(r.categories)) categories.push(r.id, c, position++);
  }
  const per = CATEGORY_ROWS_PER_STATEMENT * 3;
  let i = 0;
  for (; i + per <= categories.length; i += per) st.insertCategories.run(categories.slice(i, i + per));
  for (; i < categories.length; i += 3) st.insertCategory.run(categories[i], categories[i + 1], categories[i + 2]);
  return summarise(outcomes);
}

export interface SqlitePaperWriter {
  /** Writes one batch; run inside the transaction Kysely opened on the same connection. */
  writeBatch(records: PaperRecord[]): UpsertSummary;
  /** After each committed batch: lets a bulk load's checkpoint thread copy the WAL. */
  afterCommit(): Promise<void>;
  bulkLoad<T>(run: () => Promise<T>): Promise<T>;
}

export function createSqlitePaperWriter(raw: BetterSqlite3.Database): SqlitePaperWriter {
  // Prepared on first use: the table may not exist yet when the store is created.
  let statements: ReturnType<typeof sqliteStatements> | null = null;
  let checkpointer: BackgroundCheckpointer | null = null;
  return {
    writeBatch(records) {
      statements ??= sqliteStatements(raw);
      return writeBatchSqlite(statements, records);
    },
    async afterCommit() {
      await checkpointer?.afterCommit();
    },
    async bulkLoad(run) {
      const previous = Number(raw.pragma('wal_autocheckpoint', { simple: true }));
      if (!Number.isInteger(previous) || previous >= BULK_CHECKPOINT_PAGES) return run();
      checkpointer = await BackgroundCheckpointer.start(raw, BULK_WAL_PAGES);
      raw.pragma(`wal_autocheckpoint = ${checkpointer ? 2 * BULK_WAL_PAGES : BULK_CHECKPOINT_PAGES}`);
      try {
        return await run();
      } finally {
        await checkpointer?.close();
        checkpointer = null;
        raw.pragma(`wal_autocheckpoint = ${previous}`);
      }
    },
  };
}
