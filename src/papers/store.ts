import { AsyncLocalStorage } from 'node:async_hooks';
import type { Selectable } from 'kysely';
import type { Database } from '../storage/database.js';
import type { PapersTable } from '../storage/schema.js';
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
    githubRepo: row.github_repo,
    projectPage: row.project_page,
  };
}

// Batches a PostgreSQL bulk load writes at once: each on one core per connection, and waiting on WAL writes.
const POSTGRES_BULK_WRITERS = 2;

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
