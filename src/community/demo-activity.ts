// Demo activity: labelled demo members, submissions, upvotes and comments on real demo feed days,
// so a fresh instance shows a living feed. Deterministic (a seeded PRNG), and written through the
// community store functions, so it obeys the same rules as real activity.
import type { Database } from '../storage/database.js';
import type { Config } from '../config.js';
import type { PaperStore } from '../papers/store.js';
import { createCommunity } from './community.js';
import type { User } from './accounts.js';
import { addDays, feedDayOf } from '../feed/period.js';
import { seededRandom } from '../util/prng.js';

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
  // One after another: a summary is not worth several pooled connections.
  const submissions = await db
    .selectFrom('submissions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('submitted_by', 'in', ids)
    .executeTakeFirstOrThrow();
  const upvotes = await db
    .selectFrom('upvotes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', 'in', ids)
    .executeTakeFirstOrThrow();
  const comments = await db
    .selectFrom('comments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', 'in', ids)
    .executeTakeFirstOrThrow();
  const days = await db
    .selectFrom('submissions')
    .select((eb) => eb.fn.count<number>('feed_day').distinct().as('n'))
    .where('submitted_by', 'in', ids)
    .executeTakeFirstOrThrow();
  return { members: ids.length, submissions: n(submissions), days: n(days), upvotes: n(upvotes), comments: n(comments) };
}

/** Fixed seed: every fresh demo instance gets the same activity. */
export const DEMO_SEED = 20260529;
/** The newest demo announcement days that get activity. */
export const DEMO_DAYS = 12;

const MEMBERS: [string, string][] = [
  ['ada', 'Ada'],
  ['grace', 'Grace'],
  ['alan', 'Alan'],
  ['barbara', 'Barbara'],
  ['claude', 'Claude'],
  ['edsger', 'Edsger'],
  ['frances', 'Frances'],
  ['john', 'John'],
  ['karen', 'Karen'],
  ['donald', 'Donald'],
  ['radia', 'Radia'],
  ['tim', 'Tim'],
];

const REMARKS = [
  'Clear write-up. The ablation on data mixture is the part I would read first.',
  'Has anyone tried reproducing the main table? The baselines look under-tuned to me.',
  'Nice to see code released with the paper.',
  'How does this compare with the retrieval-augmented baseline from last month?',
  'The evaluation set is small; I would like to see confidence intervals.',
  'Interesting negative result in the appendix, worth a look.',
  'Useful survey of the related work, with a good taxonomy.',
  'The scaling plot suggests the gains shrink with model size.',
];
const REPLIES = [
  'Agreed, the appendix answers part of this.',
  'Good point; the authors mention it as future work.',
  'I tried it on a smaller model and saw similar trends.',
];

export interface DemoContext {
  database: Database;
  papers: PaperStore;
  config: Config;
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * Seed demo members, submissions, upvotes and comments on the newest demo days; does nothing
 * when the instance already has members. Returns whether it seeded.
 */
export async function seedDemoActivity(ctx: DemoContext, log: (line: string) => void = () => {}): Promise<boolean> {
  const { db } = ctx.database;
  const anyone = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (anyone) return false;
  const tz = ctx.config.feedTimezone;
  let clock = new Date(0);
  const community = createCommunity(ctx.database, ctx.papers, ctx.config, { now: () => clock });
  const rand = seededRandom(DEMO_SEED);
  const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)];

  // Papers by announcement day: a paper announced on the evening before a listing day is
  // submitted on the listing day, in the feed's time zone.
  const rows = await db.selectFrom('papers').select(['id', 'published_at']).orderBy('published_at').orderBy('id').execute();
  const byDay = new Map<string, { id: string; publishedAt: string }[]>();
  for (const r of rows) {
    const day = feedDayOf(new Date(Date.parse(r.published_at) + 12 * HOUR_MS), tz);
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day)!.push({ id: r.id, publishedAt: r.published_at });
  }
  const days = [...byDay.keys()].sort().slice(-DEMO_DAYS);
  if (!days.length) return false;

  const members: User[] = [];
  clock = new Date(`${addDays(days[0], -7)}T12:00:00.000Z`);
  for (const [username, name] of MEMBERS) {
    members.push(
      await community.accounts.createUser({ email: `${username}@${DEMO_EMAIL_DOMAIN}`, username: `demo-${username}`, displayName: `${name} (demo)` }),
    );
  }
  let submitted = 0;
  let votes = 0;
  let comments = 0;
  for (const day of days) {
    const pool = [...byDay.get(day)!];
    const count = Math.min(pool.length, 6 + Math.floor(rand() * 7));
    const perMember = new Map<number, number>();
    const chosen: { id: string; at: number; by: User }[] = [];
    for (let i = 0; i < count; i++) {
      const paper = pool.splice(Math.floor(rand() * pool.length), 1)[0];
      // Submitted during the working day after the announcement, by a member under the daily cap.
      const at = Date.parse(paper.publishedAt) + (13 + rand() * 8) * HOUR_MS;
      let by = pick(members);
      while ((perMember.get(by.id) ?? 0) >= 5) by = pick(members);
      perMember.set(by.id, (perMember.get(by.id) ?? 0) + 1);
      chosen.push({ id: paper.id, at, by });
    }
    chosen.sort((a, b) => a.at - b.at);
    for (const c of chosen) {
      clock = new Date(c.at);
      await community.submissions.submit(c.by, { paper: c.id });
      submitted++;
    }
    for (const c of chosen) {
      // Appeal is skewed: most papers get a few votes, some get most members' votes.
      const appeal = rand() ** 2;
      for (const m of members) {
        if (m.id === c.by.id || rand() >= appeal) continue;
        clock = new Date(c.at + rand() * 20 * HOUR_MS);
        await community.votes.upvote(m.id, c.id);
        votes++;
      }
      if (rand() < 0.35) {
        const n = 1 + Math.floor(rand() * 2);
        let last: number | null = null;
        for (let i = 0; i < n; i++) {
          clock = new Date(c.at + (i + 1) * (1 + rand() * 3) * HOUR_MS);
          const reply = last !== null && rand() < 0.5;
          const made = await community.comments.add(pick(members), c.id, reply ? pick(REPLIES) : pick(REMARKS), reply ? last : null);
          last = made.id;
          comments++;
        }
      }
    }
  }
  log(
    `demo: ${members.length} demo members, ${submitted} submissions on ${days.length} feed days (${days[0]} to ${days[days.length - 1]}), ${votes} upvotes, ${comments} comments`,
  );
  return true;
}
