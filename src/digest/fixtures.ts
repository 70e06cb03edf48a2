import type { Database } from '../storage/database.js';
import { buildPaper, type PaperRecord } from '../papers/paper.js';
import { createPaperStore } from '../papers/store.js';
import { startOfLocalDay } from './period.js';

// Fixtures for digest tests and the benchmark: papers published on a feed day and submitted to
// it (the community feed's submissions table) with upvotes.

export interface FixturePaper extends Partial<PaperRecord> {
  id: string;
  /** feed day it is published on (noon in FEED_TIMEZONE) */
  day: string;
  /** submitted to this feed day with these upvotes */
  submitted?: { day: string; upvotes: number; hidden?: boolean };
}

export async function addPapers(database: Database, items: FixturePaper[], timeZone = 'America/New_York'): Promise<void> {
  const at = (day: string) => new Date(startOfLocalDay(day, timeZone).getTime() + 12 * 3600_000).toISOString();
  await createPaperStore(database).upsertMany(
    items.map(({ day, submitted: _s, ...p }) =>
      buildPaper({ title: `Paper ${p.id}`, abstract: `Abstract of paper ${p.id}.`, publishedAt: at(day), updatedAt: at(day), ...p }),
    ),
  );
  const subs = items.filter((i) => i.submitted);
  for (let i = 0; i < subs.length; i += 200) {
    const part = subs.slice(i, i + 200);
    await database.db
      .insertInto('submissions')
      .values(
        part.map((p) => ({
          paper_id: p.id,
          feed_day: p.submitted!.day,
          submitted_at: at(p.submitted!.day),
          upvotes: p.submitted!.upvotes,
          hotness: p.submitted!.upvotes,
          hidden: p.submitted!.hidden ? 1 : 0,
        })),
      )
      .execute();
  }
}
