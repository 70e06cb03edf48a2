import { AsyncLocalStorage } from 'node:async_hooks';
import type { Selectable } from 'kysely';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../storage/database.js';
import type { PapersTable, Schema } from '../storage/schema.js';
import { findCodeLinks } from './code-links.js';
import type { Paper, PaperRecord } from './paper.js';
import { createSqlitePaperWriter } from './store-sqlite.js';
import { createPostgresPaperWriter } from './store-postgres.js';
import { chunks, newestPerId, ROWS_PER_STATEMENT, type UpsertSummary } from './upsert-plan.js';

export { chunks } from './upsert-plan.js';
export type { UpsertOutcome, UpsertSummary } from './upsert-plan.js';

export interface ListNewestOptions {
  limit: number;
  /** keyset cursor: papers strictly older than this (published_at, id) */
  before?: { publishedAt: string; id: string };
  category?: string;
  /** only papers with a code repository (a member's link or one found in the text) */
  hasCode?: boolean;
}

export interface PaperStore {
  /** Insert new papers and update changed ones in one transaction; an older version never replaces a newer one. */
  upsertMany(records: PaperRecord[]): Promise<UpsertSummary>;
  get(id: string): Promise<Paper | null>;
  getMany(ids: string[]): Promise<Paper[]>;
  count(): Promise<number>;
  listNewest(options: ListNewestOptions): Promise<Paper[]>;
  setLinks(id: string, links: { githubRepo?: string | null; projectPage?: string | null }): Promise<boolean>;
  /**
   * How many upsertMany calls of a bulk load may run at once (each on its own connection, ids
   * disjoint); 1 (or absent) where writes are serial anyway (SQLite's one connection).
   */
  readonly bulkWriters?: number;
  /**
   * Run a bulk load (many upsertMany calls in a row), with the write settings suited to one. With
   * deferSearch (PostgreSQL) its writes leave search vectors NULL, for the caller's fill.
   */
  bulkLoad<T>(run: () => Promise<T>, options?: { deferSearch?: boolean }): Promise<T>;
}

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
    githubRepo: row.github_repo ?? row.found_repo ?? null,
    projectPage: row.project_page ?? row.found_page ?? null,
    codeLinks: row.found_links ? JSON.parse(row.found_links) : [],
    ...(row.ai_summary && row.ai_summary_model && row.ai_summary_hash
      ? { aiSummary: { text: row.ai_summary, model: row.ai_summary_model, abstractHash: row.ai_summary_hash } }
      : {}),
  };
}

// Batches a PostgreSQL bulk load writes at once: each on one core per connection, and waiting on WAL
// writes. Three kept the 2-core machine busier than two once a batch cost PostgreSQL less (0023):
// 20,125 and 21,964 papers/s against 19,026 and 20,091 (200k papers, alternating runs).
const POSTGRES_BULK_WRITERS = 3;

export function createPaperStore(database: Database): PaperStore {
  const { db } = database;
  const sqlite = database.sqlite ? createSqlitePaperWriter(database.sqlite) : null;
  const postgres = database.pg ? createPostgresPaperWriter(database.pg) : null;
  // Set inside a deferring bulk load (PostgreSQL): its batches leave search vectors to the fill;
  // other writes, a harvest in the same process meanwhile included, never do.
  const deferring = new AsyncLocalStorage<boolean>();
  return {
    bulkWriters: postgres ? POSTGRES_BULK_WRITERS : 1,
    async upsertMany(records) {
      if (records.length === 0) return { inserted: 0, updated: 0, unchanged: 0, outcomes: new Map() };
      for (const r of records) {
        if (!r.categories.length) throw new Error(`store: paper ${r.id} has no category`);
      }
      const unique = newestPerId(records);
      if (postgres) return postgres.writeBatch(unique, { deferSearch: deferring.getStore() === true });
      if (!sqlite) throw new Error(`store: no write path for a ${database.dialect} database`);
      const summary = await db.transaction().execute(async () => sqlite.writeBatch(unique));
      await sqlite.afterCommit();
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
      const row = await db
        .selectFrom('papers')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async listNewest({ limit, before, category, hasCode }) {
      let q = db.selectFrom('papers').selectAll('papers');
      if (category) {
        q = q.where('papers.id', 'in', db.selectFrom('paper_categories').select('paper_id').where('category', '=', category));
      }
      if (hasCode) q = q.where((eb) => eb.or([eb('papers.github_repo', 'is not', null), eb('papers.found_repo', 'is not', null)]));
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
    async bulkLoad(run, options = {}) {
      if (sqlite) return sqlite.bulkLoad(run);
      return options.deferSearch ? deferring.run(true, run) : run();
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

export interface FoundRow {
  id: string;
  repo: string | null;
  page: string | null;
  links: string | null;
}

export function foundRow(id: string, found: ReturnType<typeof findCodeLinks>): FoundRow {
  return { id, repo: found.repo, page: found.page, links: found.links.length ? JSON.stringify(found.links) : null };
}

/** The backfill's write: one UPDATE per 200 papers (4 values each), the same SQL on both dialects. */
export async function updateFoundLinks(db: Kysely<Schema>, rows: FoundRow[]): Promise<void> {
  for (const part of chunks(rows, 200)) {
    const values = sql.join(part.map((r) => sql`(${r.id}, ${r.repo}, ${r.page}, ${r.links})`));
    await sql`WITH v (id, repo, page, links) AS (VALUES ${values})
      UPDATE papers SET found_repo = v.repo, found_page = v.page, found_links = v.links FROM v WHERE papers.id = v.id`.execute(db);
  }
}

/**
 * Read the links of papers stored before migration 0019, `batch` papers at a time in id order from
 * where the last call stopped (code_link_backfill); a paper stored since was read as it was stored.
 * Returns how many papers it read and whether every paper has been read.
 */
export async function backfillCodeLinks(db: Kysely<Schema>, batch = 1000): Promise<{ read: number; found: number; done: boolean }> {
  const state = await db.selectFrom('code_link_backfill').select(['after_id', 'done']).where('id', '=', 1).executeTakeFirst();
  if (!state || Number(state.done)) return { read: 0, found: 0, done: true };
  const rows = await db.selectFrom('papers').select(['id', 'abstract', 'comments']).where('id', '>', state.after_id).orderBy('id').limit(batch).execute();
  const found = rows.map((r) => foundRow(r.id, findCodeLinks(r.abstract, r.comments))).filter((r) => r.links !== null);
  const done = rows.length < batch;
  await db.transaction().execute(async (trx) => {
    await updateFoundLinks(trx, found);
    await trx
      .updateTable('code_link_backfill')
      .set({ after_id: rows.length ? rows[rows.length - 1].id : state.after_id, done: done ? 1 : 0 })
      .where('id', '=', 1)
      .execute();
  });
  return { read: rows.length, found: found.length, done };
}
