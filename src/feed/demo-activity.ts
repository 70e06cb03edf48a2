// Demo activity: labelled demo members, submissions, upvotes and comments on real demo feed days,
// so a fresh instance shows a living feed. Deterministic (a seeded PRNG), and written through the
// community store functions, so it obeys the same rules as real activity.
import type { Database } from '../storage/database.js';

/** Demo members' emails end with this (a reserved, undeliverable domain): that is the label. */
export const DEMO_EMAIL_DOMAIN = 'demo.paperboy.invalid';

export interface DemoActivitySummary {
  members: number;
  submissions: number;
  days: number;
  upvotes: number;
  comments: number;
}

/** What demo activity this instance holds, or null when there is none. */
export async function demoActivitySummary(database: Database): Promise<DemoActivitySummary | null> {
  const { db } = database;
  const members = await db.selectFrom('users').select('id').where('email', 'like', `%@${DEMO_EMAIL_DOMAIN}`).execute();
  if (!members.length) return null;
  const ids = members.map((m) => Number(m.id));
  const n = (row: { n: number | string | bigint }) => Number(row.n);
  const [submissions, upvotes, comments, days] = await Promise.all([
    db.selectFrom('submissions').select((eb) => eb.fn.countAll<number>().as('n')).where('submitted_by', 'in', ids).executeTakeFirstOrThrow(),
    db.selectFrom('upvotes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', 'in', ids).executeTakeFirstOrThrow(),
    db.selectFrom('comments').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', 'in', ids).executeTakeFirstOrThrow(),
    db.selectFrom('submissions').select((eb) => eb.fn.count<number>('feed_day').distinct().as('n')).where('submitted_by', 'in', ids).executeTakeFirstOrThrow(),
  ]);
  return { members: ids.length, submissions: n(submissions), days: n(days), upvotes: n(upvotes), comments: n(comments) };
}
