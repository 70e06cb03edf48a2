// The papers store's PostgreSQL write path: multi-row upserts through Kysely. Several writers (harvest
// workers in other processes) may upsert the same paper at once, so what each did is read back from
// the upsert itself rather than trusted from the lookup before it.
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../storage/schema.js';
import type { PaperRecord } from './paper.js';
import { chunks, type Existing, plan, ROWS_PER_STATEMENT, row, summarise, UPDATED_COLUMNS, type UpsertSummary } from './upsert-plan.js';

export async function writeBatchPostgres(trx: Kysely<Schema>, records: PaperRecord[]): Promise<UpsertSummary> {
  const existing = new Map<string, Existing>();
  for (const part of chunks(
    records.map((r) => r.id),
    ROWS_PER_STATEMENT,
  )) {
    const rows = await trx.selectFrom('papers').select(['id', 'version', 'updated_at', 'content_hash']).where('id', 'in', part).execute();
    for (const r of rows) existing.set(r.id, { version: Number(r.version), updated_at: r.updated_at, content_hash: r.content_hash });
  }
  const { outcomes, toWrite } = plan(records, existing);
  const now = new Date().toISOString();
  // What each write did: a row another writer committed after the lookup above is updated (when
  // its content differs) or left alone, and then counted so, not as a second insert.
  const written = new Map<string, boolean>();
  for (const part of chunks(toWrite, ROWS_PER_STATEMENT)) {
    const rows = await trx
      .insertInto('papers')
      .values(part.map((w) => row(w.record, w.hash, now)))
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet((eb) => Object.fromEntries(UPDATED_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)])))
          .where(sql<boolean>`papers.content_hash <> excluded.content_hash`),
      )
      // xmax is 0 on a row this statement inserted, the updating transaction's id on one it updated.
      .returning(['id', sql<boolean>`(xmax = 0)`.as('fresh')])
      .execute();
    for (const r of rows) written.set(r.id, r.fresh);
  }
  const replaced: string[] = [];
  for (const { record: r } of toWrite) {
    const fresh = written.get(r.id);
    if (fresh === undefined) outcomes.set(r.id, 'unchanged');
    else if (fresh) outcomes.set(r.id, 'inserted');
    else {
      outcomes.set(r.id, 'updated');
      replaced.push(r.id);
    }
  }
  for (const part of chunks(replaced, ROWS_PER_STATEMENT)) {
    await trx.deleteFrom('paper_categories').where('paper_id', 'in', part).execute();
  }
  const categoryRows = toWrite
    .filter(({ record: r }) => written.has(r.id))
    .flatMap(({ record: r }) => [...new Set(r.categories)].map((category, position) => ({ paper_id: r.id, category, position })));
  for (const part of chunks(categoryRows, 2000)) {
    // Two writers (e.g. harvest workers) may both insert a paper; the second one's rows would
    // collide with the first's, which already hold the same pairs.
    await trx
      .insertInto('paper_categories')
      .values(part)
      .onConflict((oc) => oc.columns(['paper_id', 'category']).doNothing())
      .execute();
  }
  return summarise(outcomes);
}
