import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../storage/database.js';
import type { PapersTable, Schema } from '../storage/schema.js';
import type { Paper, PaperRecord } from './paper.js';
import { createSqlitePaperWriter } from './store-sqlite.js';
import { type Existing, newestPerId, plan, row, summarise, UPDATED_COLUMNS, type UpsertSummary } from './upsert-plan.js';

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
  /** Run a bulk load (many upsertMany calls in a row), with the write settings suited to one. */
  bulkLoad<T>(run: () => Promise<T>): Promise<T>;
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

// SQLite allows 32,766 bound variables per statement; 17 columns x 500 rows stays well below.
const ROWS_PER_STATEMENT = 500;

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
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

export function createPaperStore(database: Database): PaperStore {
  const { db } = database;
  const sqlite = database.sqlite ? createSqlitePaperWriter(database.sqlite) : null;
  return {
    async upsertMany(records) {
      if (records.length === 0) return { inserted: 0, updated: 0, unchanged: 0, outcomes: new Map() };
      for (const r of records) {
        if (!r.categories.length) throw new Error(`store: paper ${r.id} has no category`);
      }
      const unique = newestPerId(records);
      const summary = await db.transaction().execute(async (trx) => (sqlite ? sqlite.writeBatch(unique) : writeBatchKysely(trx, unique)));
      await sqlite?.afterCommit();
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
      return sqlite ? sqlite.bulkLoad(run) : run();
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
