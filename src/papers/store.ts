import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely, Selectable } from 'kysely';
import { BackgroundCheckpointer } from '../storage/checkpointer.js';
import type { Database } from '../storage/database.js';
import type { PapersTable, Schema } from '../storage/schema.js';
import { contentHash, type Paper, type PaperRecord } from './paper.js';

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

export interface UpsertSummary {
  inserted: number;
  updated: number;
  unchanged: number;
  outcomes: Map<string, UpsertOutcome>;
}

export interface ListNewestOptions {
  limit: number;
  /** keyset cursor: papers strictly older than this (published_at, id) */
  before?: { publishedAt: string; id: string };
  category?: string;
}

export interface PaperStore {
  /** Insert new papers and update changed ones in one transaction; an older version never replaces a newer one. */
  upsertMany(records: PaperRecord[]): Promise<UpsertSummary>;
  get(id: string): Promise<Paper | null>;
  getMany(ids: string[]): Promise<Paper[]>;
  count(): Promise<number>;
  listNewest(options: ListNewestOptions): Promise<Paper[]>;
  setLinks(id: string, links: { githubRepo?: string | null; projectPage?: string | null }): Promise<boolean>;
  /** Run a bulk load (many upsertMany calls in a row), with the write settings suited to one. */
  bulkLoad<T>(run: () => Promise<T>): Promise<T>;
}

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

export function toPaper(row: Selectable<PapersTable>): Paper {
  return {
    id: row.id,
    version: Number(row.version),
    title: row.title,
    abstract: row.abstract,
    authors: JSON.parse(row.authors),
    categories: JSON.parse(row.categories),
    publishedAt: row.published_at,
    updatedAt: row.updated_at,
    comments: row.comments,
    journalRef: row.journal_ref,
    doi: row.doi,
    license: row.license,
    githubRepo: row.github_repo,
    projectPage: row.project_page,
  };
}

// SQLite allows 32,766 bound variables per statement; 17 columns x 500 rows stays well below.
const ROWS_PER_STATEMENT = 500;

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface Existing {
  version: number;
  updated_at: string;
  content_hash: string;
}

interface Plan {
  outcomes: Map<string, UpsertOutcome>;
  /** records to insert or update, with their content hash */
  toWrite: { record: PaperRecord; hash: string }[];
  /** ids that existed and changed: their category rows are replaced */
  changedIds: string[];
}

/** Decide per record: insert, update, or leave unchanged (same content, or an older version). */
function plan(records: PaperRecord[], existing: Map<string, Existing>): Plan {
  const outcomes = new Map<string, UpsertOutcome>();
  const toWrite: Plan['toWrite'] = [];
  const changedIds: string[] = [];
  for (const incoming of records) {
    const old = existing.get(incoming.id);
    // Version 0 (OAI-PMH's arXiv format has none) is "unknown": ordered by updated date, and the
    // stored version number is kept.
    const r = incoming.version === 0 ? { ...incoming, version: Math.max(1, old?.version ?? 1) } : incoming;
    const stale = old && (incoming.version === 0 ? old.updated_at > incoming.updatedAt : old.version > incoming.version);
    // The import's reader thread hashes records ahead of time; others are hashed here.
    const pre = (incoming as { contentHash?: string }).contentHash;
    const hash = incoming.version !== 0 && pre ? pre : contentHash(r);
    if (!old) {
      outcomes.set(r.id, 'inserted');
      toWrite.push({ record: r, hash });
    } else if (stale || old.content_hash === hash) {
      outcomes.set(r.id, 'unchanged');
    } else {
      outcomes.set(r.id, 'updated');
      toWrite.push({ record: r, hash });
      changedIds.push(r.id);
    }
  }
  return { outcomes, toWrite, changedIds };
}

/** Within one batch the newest version of an id wins, as across batches. */
function newestPerId(records: PaperRecord[]): PaperRecord[] {
  const byId = new Map<string, PaperRecord>();
  for (const r of records) {
    const prev = byId.get(r.id);
    if (!prev || r.version >= prev.version || (r.version === 0 && r.updatedAt >= prev.updatedAt)) byId.set(r.id, r);
  }
  return [...byId.values()];
}

function row(r: PaperRecord, hash: string, now: string) {
  return {
    id: r.id,
    version: r.version,
    title: r.title,
    abstract: r.abstract,
    authors: JSON.stringify(r.authors),
    categories: JSON.stringify(r.categories),
    primary_category: r.categories[0],
    published_at: r.publishedAt,
    updated_at: r.updatedAt,
    comments: r.comments,
    journal_ref: r.journalRef,
    doi: r.doi,
    license: r.license,
    github_repo: null,
    project_page: null,
    content_hash: hash,
    ingested_at: now,
  };
}

// arXiv-owned columns only: links added by members survive a re-import.
const UPDATED_COLUMNS = [
  'version', 'title', 'abstract', 'authors', 'categories', 'primary_category', 'published_at', 'updated_at',
  'comments', 'journal_ref', 'doi', 'license', 'content_hash',
] as const;

function summarise(outcomes: Map<string, UpsertOutcome>): UpsertSummary {
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  for (const o of outcomes.values()) {
    if (o === 'inserted') inserted++;
    else if (o === 'updated') updated++;
    else unchanged++;
  }
  return { inserted, updated, unchanged, outcomes };
}

/** Portable path: multi-row statements through Kysely (PostgreSQL). */
async function writeBatchKysely(trx: Kysely<Schema>, records: PaperRecord[]): Promise<UpsertSummary> {
  const existing = new Map<string, Existing>();
  for (const part of chunks(records.map((r) => r.id), ROWS_PER_STATEMENT)) {
    const rows = await trx.selectFrom('papers').select(['id', 'version', 'updated_at', 'content_hash']).where('id', 'in', part).execute();
    for (const r of rows) existing.set(r.id, { version: Number(r.version), updated_at: r.updated_at, content_hash: r.content_hash });
  }
  const { outcomes, toWrite, changedIds } = plan(records, existing);
  const now = new Date().toISOString();
  for (const part of chunks(toWrite, ROWS_PER_STATEMENT)) {
    await trx
      .insertInto('papers')
      .values(part.map((w) => row(w.record, w.hash, now)))
      .onConflict((oc) => oc.column('id').doUpdateSet((eb) => Object.fromEntries(UPDATED_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)]))))
      .execute();
  }
  for (const part of chunks(changedIds, ROWS_PER_STATEMENT)) {
    await trx.deleteFrom('paper_categories').where('paper_id', 'in', part).execute();
  }
  const categoryRows = toWrite.flatMap(({ record: r }) => [...new Set(r.categories)].map((category, position) => ({ paper_id: r.id, category, position })));
  for (const part of chunks(categoryRows, 2000)) {
    // Two writers (e.g. harvest workers) may both see a paper as new; the second one's rows
    // would collide with the first's, which already hold the same pairs.
    await trx.insertInto('paper_categories').values(part).onConflict((oc) => oc.columns(['paper_id', 'category']).doNothing()).execute();
  }
  return summarise(outcomes);
}

// Category rows per multi-row INSERT on the SQLite path (3 parameters each).
const CATEGORY_ROWS_PER_STATEMENT = 100;

/**
 * SQLite path: cached prepared statements on the raw connection, run inside the transaction Kysely
 * opened on that same connection. Re-preparing an 8,500-parameter statement per batch cost more
 * than the writes themselves; so one lookup per batch (ids as a JSON array), one positional
 * single-row upsert per paper, and category rows a hundred to a statement.
 */
function sqliteStatements(raw: BetterSqlite3.Database) {
  const cols = Object.keys(row({ id: '', version: 0, title: '', abstract: '', authors: [], categories: [''], publishedAt: '', updatedAt: '', comments: null, journalRef: null, doi: null, license: null }, '', ''));
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
    // In the order of `row()`'s keys, which name the columns.
    st.upsert.run(
      r.id, r.version, r.title, r.abstract, JSON.stringify(r.authors), JSON.stringify(r.categories), r.categories[0], r.publishedAt, r.updatedAt,
      r.comments, r.journalRef, r.doi, r.license, null, null, hash, now,
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

export function createPaperStore(database: Database): PaperStore {
  const { db } = database;
  // Prepared on first use: the table may not exist yet when the store is created.
  let statements: ReturnType<typeof sqliteStatements> | null = null;
  let checkpointer: BackgroundCheckpointer | null = null;
  return {
    async upsertMany(records) {
      if (records.length === 0) return { inserted: 0, updated: 0, unchanged: 0, outcomes: new Map() };
      for (const r of records) {
        if (!r.categories.length) throw new Error(`store: paper ${r.id} has no category`);
      }
      const unique = newestPerId(records);
      if (database.sqlite && !statements) statements = sqliteStatements(database.sqlite);
      const summary = await db.transaction().execute(async (trx) => (statements ? writeBatchSqlite(statements, unique) : writeBatchKysely(trx, unique)));
      await checkpointer?.afterCommit();
      return summary;
    },
    async get(id) {
      const row = await db.selectFrom('papers').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toPaper(row) : null;
    },
    async getMany(ids) {
      if (!ids.length) return [];
      const rows = [];
      for (const part of chunks(ids, ROWS_PER_STATEMENT)) {
        rows.push(...(await db.selectFrom('papers').selectAll().where('id', 'in', part).execute()));
      }
      const byId = new Map(rows.map((r) => [r.id, toPaper(r)]));
      return ids.map((id) => byId.get(id)).filter((p): p is Paper => p !== undefined);
    },
    async count() {
      const row = await db.selectFrom('papers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async listNewest({ limit, before, category }) {
      let q = db.selectFrom('papers').selectAll('papers');
      if (category) {
        q = q.where('papers.id', 'in', db.selectFrom('paper_categories').select('paper_id').where('category', '=', category));
      }
      if (before) {
        q = q.where((eb) =>
          eb.or([
            eb('papers.published_at', '<', before.publishedAt),
            eb.and([eb('papers.published_at', '=', before.publishedAt), eb('papers.id', '<', before.id)]),
          ]),
        );
      }
      const rows = await q.orderBy('papers.published_at', 'desc').orderBy('papers.id', 'desc').limit(limit).execute();
      return rows.map(toPaper);
    },
    async bulkLoad(run) {
      const raw = database.sqlite;
      if (!raw) return run();
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
    async setLinks(id, links) {
      const set: { github_repo?: string | null; project_page?: string | null } = {};
      if (links.githubRepo !== undefined) set.github_repo = links.githubRepo;
      if (links.projectPage !== undefined) set.project_page = links.projectPage;
      if (!Object.keys(set).length) return false;
      const res = await db.updateTable('papers').set(set).where('id', '=', id).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
  };
}
