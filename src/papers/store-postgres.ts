// The papers store's PostgreSQL write path: each batch is copied (COPY ... FROM STDIN, text format)
// into a temporary staging table and applied with one set-based upsert, in one transaction. A
// multi-row INSERT through Kysely with 8,500 parameters per statement ran a 200k-paper import at
// about 2,200 papers/s; most of what was left then was PostgreSQL computing each paper's
// search_vector and updating its GIN index, so a bulk load's batches defer that (0015: the trigger
// leaves the vector NULL under `paperboy.defer_search`) and `paperboy import` fills the vectors
// afterwards (src/search/lexical/postgres-index-build.ts). Several writers (harvest workers in other
// processes) may upsert the same paper at once, so what each did is read back from the upsert
// itself (RETURNING), never trusted from a lookup before it.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PaperRecord } from './paper.js';
import { type Existing, plan, ROW_COLUMNS, row, UPDATED_COLUMNS, type UpsertOutcome, type UpsertSummary, summarise } from './upsert-plan.js';

const STAGING = 'paperboy_papers_staging';

// Lines per chunk handed to the COPY stream (a chunk is a few hundred KB).
const COPY_LINES_PER_CHUNK = 256;

/**
 * A value in COPY's text format: NULL is \N, and a backslash, tab, newline or carriage return
 * inside a value is written as its backslash escape (they are the format's own delimiters);
 * everything else, other control characters and any Unicode included, goes as it is.
 */
export function copyValue(v: string | number | null): string {
  if (v === null) return '\\N';
  const s = typeof v === 'number' ? String(v) : v;
  return COPY_SPECIAL.test(s) ? s.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c]) : s;
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One line of the staging table's COPY input: the row's columns in ROW_COLUMNS order. */
export function copyLine(values: Record<string, string | number | null>): string {
  let line = '';
  for (let i = 0; i < ROW_COLUMNS.length; i++) line += (i ? '\t' : '') + copyValue(values[ROW_COLUMNS[i]]);
  return `${line}\n`;
}

const COLUMNS = ROW_COLUMNS.join(', ');

// The staging table has papers' own column types (CREATE TABLE AS ... WITH NO DATA), is private to
// the connection, and is emptied at each commit or rollback.
const CREATE_STAGING = `CREATE TEMP TABLE IF NOT EXISTS ${STAGING} ON COMMIT DELETE ROWS AS SELECT ${COLUMNS} FROM papers WITH NO DATA`;

// The whole batch in one statement: new papers are inserted; an existing one is updated when its
// content differs and the staged version is not older (the same rule as upsert-plan's plan(); the
// version-0 records of OAI-PMH were given their stored version before staging); otherwise it is
// left alone and returns nothing. xmax is 0 on a row this statement inserted, the updating
// transaction's id on one it updated. Rows go in id order, so two writers of overlapping batches
// take their row locks in the same order and wait for each other rather than deadlock.
const UPSERT = `INSERT INTO papers (${COLUMNS})
  SELECT ${COLUMNS} FROM ${STAGING} ORDER BY id
  ON CONFLICT (id) DO UPDATE SET ${UPDATED_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}
  WHERE papers.content_hash <> excluded.content_hash AND papers.version <= excluded.version
  RETURNING id, (xmax = 0) AS fresh`;

// Category rows of the written papers, from the staged categories (a JSON array, primary first):
// each category once, numbered from 0 in the order of its first appearance, as the SQLite path
// numbers them. A plain INSERT: no other transaction can hold rows for these papers. A paper this
// batch inserted did not exist (a writer inserting the same id at once waits for this one, then
// takes the update path); one it updated had its rows deleted first, under the row lock the update
// holds to commit. ON CONFLICT DO NOTHING cost about 3.5 of the 27 us a paper's category rows took.
const INSERT_CATEGORIES = `INSERT INTO paper_categories (paper_id, category, position)
  SELECT id, category, (row_number() OVER (PARTITION BY id ORDER BY first) - 1)::integer
  FROM (
    SELECT s.id, c.category, min(c.n) AS first
    FROM ${STAGING} s CROSS JOIN LATERAL jsonb_array_elements_text(s.categories::jsonb) WITH ORDINALITY AS c (category, n)
    WHERE s.id = ANY ($1::text[])
    GROUP BY s.id, c.category
  ) firsts`;

export interface PostgresPaperWriter {
  /**
   * Writes one batch (ids unique) in a transaction of its own on a pooled connection. With
   * deferSearch (a bulk load only) the written papers' search vectors are left NULL for the fill.
   */
  writeBatch(records: PaperRecord[], options?: { deferSearch?: boolean }): Promise<UpsertSummary>;
}

export function createPostgresPaperWriter(pool: pg.Pool): PostgresPaperWriter {
  // Connections whose staging table exists (it lives as long as the connection).
  const staged = new WeakSet<pg.PoolClient>();
  return {
    async writeBatch(records, options = {}) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        if (!staged.has(client)) {
          await client.query(CREATE_STAGING);
          staged.add(client);
        }
        // SET LOCAL ends with the transaction: the pooled connection goes back undeferred.
        await client.query(options.deferSearch ? "BEGIN; SET LOCAL paperboy.defer_search = 'on'" : 'BEGIN');
        try {
          const summary = await writeBatch(client, records);
          await client.query('COMMIT');
          return summary;
        } catch (e) {
          await client.query('ROLLBACK').catch((rollbackError: Error) => {
            broken = rollbackError;
          });
          throw e;
        }
      } finally {
        // A connection that could not even roll back is dropped rather than handed out again.
        client.release(broken);
      }
    },
  };
}

async function writeBatch(client: pg.PoolClient, records: PaperRecord[]): Promise<UpsertSummary> {
  // Only OAI-PMH's version-0 records need the stored row first: they take its version, and an
  // older one (by updated date) is left alone. Every other decision is the upsert's own.
  const existing = new Map<string, Existing>();
  const unknownVersion = records.filter((r) => r.version === 0).map((r) => r.id);
  if (unknownVersion.length) {
    const found = await client.query<{ id: string; version: number; updated_at: string; content_hash: string }>(
      'SELECT id, version, updated_at, content_hash FROM papers WHERE id = ANY ($1::text[])',
      [unknownVersion],
    );
    for (const r of found.rows) existing.set(r.id, { version: Number(r.version), updated_at: r.updated_at, content_hash: r.content_hash });
  }
  const { toWrite } = plan(records, existing);
  const outcomes = new Map<string, UpsertOutcome>(records.map((r) => [r.id, 'unchanged']));
  if (!toWrite.length) return summarise(outcomes);

  const now = new Date().toISOString();
  await pipeline(copyChunks(toWrite, now), client.query(copyFrom(`COPY ${STAGING} (${COLUMNS}) FROM STDIN`)));
  const written = await client.query<{ id: string; fresh: boolean }>(UPSERT);
  const writtenIds: string[] = [];
  const replaced: string[] = [];
  for (const r of written.rows) {
    writtenIds.push(r.id);
    outcomes.set(r.id, r.fresh ? 'inserted' : 'updated');
    if (!r.fresh) replaced.push(r.id);
  }
  if (replaced.length) await client.query('DELETE FROM paper_categories WHERE paper_id = ANY ($1::text[])', [replaced]);
  if (writtenIds.length) await client.query(INSERT_CATEGORIES, [writtenIds]);
  return summarise(outcomes);
}

function copyChunks(toWrite: { record: PaperRecord; hash: string }[], now: string): Readable {
  return Readable.from(
    (function* () {
      let chunk = '';
      for (let i = 0; i < toWrite.length; i++) {
        chunk += copyLine(row(toWrite[i].record, toWrite[i].hash, now));
        if ((i + 1) % COPY_LINES_PER_CHUNK === 0) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    })(),
  );
}
