import { sql } from 'kysely';
import type { Database } from '../storage/database.js';
import { buildPaper, type PaperRecord } from '../papers/paper.js';
import { createPaperStore } from '../papers/store.js';
import { startOfLocalDay } from './period.js';

// Fixtures for digest tests and the benchmark: papers published on a feed day and submitted to
// it with upvotes. The community branch's migration creates `submissions`; until it is merged
// the same columns are created here (IF NOT EXISTS leaves the real table alone).

export async function ensureSubmissionsTable(database: Database): Promise<void> {
  await sql
    .raw(
      `CREATE TABLE IF NOT EXISTS submissions (paper_id TEXT PRIMARY KEY, feed_day TEXT NOT NULL, submitted_by BIGINT, submitted_at TEXT NOT NULL,
       upvotes INTEGER NOT NULL DEFAULT 0, comments_count INTEGER NOT NULL DEFAULT 0, hotness DOUBLE PRECISION NOT NULL DEFAULT 0, hidden INTEGER NOT NULL DEFAULT 0)`,
    )
    .execute(database.db);
}

export interface FixturePaper extends Partial<PaperRecord> {
  id: string;
  /** feed day it is published on (noon in FEED_TIMEZONE) */
  day: string;
  /** submitted to this feed day with these upvotes */
  submitted?: { day: string; upvotes: number; hidden?: boolean };
}

export async function addPapers(database: Database, items: FixturePaper[], timeZone = 'America/New_York'): Promise<void> {
  await ensureSubmissionsTable(database);
  const at = (day: string) => new Date(startOfLocalDay(day, timeZone).getTime() + 12 * 3600_000).toISOString();
  await createPaperStore(database).upsertMany(
    items.map(({ day, submitted: _s, ...p }) => buildPaper({ title: `Paper ${p.id}`, abstract: `Abstract of paper ${p.id}.`, publishedAt: at(day), updatedAt: at(day), ...p })),
  );
  const subs = items.filter((i) => i.submitted);
  for (let i = 0; i < subs.length; i += 200) {
    const part = subs.slice(i, i + 200);
    await (database.db as unknown as import('kysely').Kysely<{ submissions: Record<string, unknown> }>)
      .insertInto('submissions')
      .values(part.map((p) => ({ paper_id: p.id, feed_day: p.submitted!.day, submitted_at: at(p.submitted!.day), upvotes: p.submitted!.upvotes, hotness: p.submitted!.upvotes, hidden: p.submitted!.hidden ? 1 : 0 })))
      .execute();
  }
}
