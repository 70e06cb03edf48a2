// The daily feed: submitted papers by feed day, week, month or trending. One query,
// listDailyPapers(), answers the HTML pages, the JSON API and the Atom feeds alike.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/database.js';
import type { Schema } from '../storage/schema.js';
import type { Paper } from '../papers/paper.js';
import { chunks, toPaper } from '../papers/store.js';
import type { Period } from './period.js';

export type FeedSort = 'publishedAt' | 'trending' | 'stars' | 'stars_gained';
export const FEED_SORTS: FeedSort[] = ['publishedAt', 'trending', 'stars', 'stars_gained'];
/** The window of `stars_gained`. */
export const STARS_GAINED_DAYS = 7;

export interface DailyQuery {
  /** only submissions whose feed day lies in this period; none: every feed day */
  period?: Period;
  /** arXiv category, e.g. cs.CL (any of the paper's categories, not only the primary) */
  category?: string;
  /** username of the submitter */
  submitter?: string;
  /** only papers with a code repository (the submission's, a member's or one found in the paper's text) */
  hasCode?: boolean;
  /** only these papers (a paper page or an API lookup) */
  paperIds?: string[];
  /**
   * publishedAt: newest feed day first, and within a day most upvoted first, then earliest
   * submitted (the feed's rule); trending: by stored hotness (src/feed/hotness.ts); stars: by the
   * GitHub stars of the paper's repository; stars_gained: by the stars it gained in the last
   * STARS_GAINED_DAYS days (papers without a star count last, for both).
   */
  sort?: FeedSort;
  /** now, for stars_gained's window (tests fix it) */
  now?: Date;
  /** 0-based page number */
  page?: number;
  limit: number;
  /** signed-in user: entries say whether they upvoted it */
  viewerId?: number | null;
}

export interface Submitter {
  id: number;
  username: string;
  displayName: string | null;
}

export interface DailyEntry {
  paper: Paper;
  feedDay: string;
  submittedAt: string;
  submitter: Submitter | null;
  /** the submitter's note */
  comment: string | null;
  /** the submission's link, else the paper's */
  githubRepo: string | null;
  projectPage: string | null;
  upvotes: number;
  commentsCount: number;
  hotness: number;
  viewerUpvoted: boolean;
  /** GitHub stars of the repository shown (null: not a GitHub repository, or not asked yet) */
  githubStars: number | null;
  /** stars gained in the last STARS_GAINED_DAYS days (null without two counts) */
  githubStarsGained: number | null;
}

export interface DailyPage {
  entries: DailyEntry[];
  page: number;
  limit: number;
  /** another page follows */
  hasMore: boolean;
}

export const MAX_LIMIT = 100;

export async function listDailyPapers(database: Database, query: DailyQuery): Promise<DailyPage> {
  const { db } = database;
  const page = query.page ?? 0;
  const limit = query.limit;
  if (!Number.isInteger(page) || page < 0) throw new Error(`feed: page must be a whole number >= 0, got ${page}`);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new Error(`feed: limit must be 1..${MAX_LIMIT}, got ${limit}`);
  let q = db
    .selectFrom('submissions as s')
    .innerJoin('papers as p', 'p.id', 's.paper_id')
    .leftJoin('users as u', 'u.id', 's.submitted_by')
    // The repository shown: the submission's link, else the member's on the paper, else the one found.
    .leftJoin('github_repos as g', (join) => join.on(sql<boolean>`g.url = coalesce(s.github_repo, p.github_repo, p.found_repo)`))
    .selectAll('p')
    .select([
      's.feed_day',
      's.submitted_at',
      's.submitted_by',
      's.comment as submission_comment',
      's.github_repo as submission_github_repo',
      's.project_page as submission_project_page',
      's.upvotes',
      's.comments_count',
      's.hotness',
      'u.username',
      'u.display_name',
      'g.stars as github_stars',
      starsGained(query.now ?? new Date()).as('github_stars_gained'),
    ])
    .where('s.hidden', '=', 0);
  if (query.period) q = q.where('s.feed_day', '>=', query.period.from).where('s.feed_day', '<=', query.period.to);
  if (query.category) {
    q = q.where('s.paper_id', 'in', db.selectFrom('paper_categories').select('paper_id').where('category', '=', query.category));
  }
  if (query.submitter) q = q.where('u.username', '=', query.submitter);
  if (query.hasCode) {
    q = q.where((eb) => eb.or([eb('s.github_repo', 'is not', null), eb('p.github_repo', 'is not', null), eb('p.found_repo', 'is not', null)]));
  }
  if (query.paperIds) {
    if (!query.paperIds.length) return { entries: [], page, limit, hasMore: false };
    q = q.where('s.paper_id', 'in', query.paperIds);
  }
  if (query.sort === 'stars' || query.sort === 'stars_gained') {
    const key = query.sort === 'stars' ? sql`g.stars` : starsGained(query.now ?? new Date());
    q = q.orderBy(sql`CASE WHEN ${key} IS NULL THEN 1 ELSE 0 END`).orderBy(sql`${key}`, 'desc').orderBy('s.hotness', 'desc');
  } else if (query.sort === 'trending') {
    q = q.orderBy('s.hotness', 'desc').orderBy('s.submitted_at', 'desc');
  } else {
    q = q.orderBy('s.feed_day', 'desc').orderBy('s.upvotes', 'desc').orderBy('s.submitted_at', 'asc');
  }
  // The paper id settles any remaining tie, so pages never overlap or skip.
  const rows = await q
    .orderBy('s.paper_id', 'asc')
    .limit(limit + 1)
    .offset(page * limit)
    .execute();
  const hasMore = rows.length > limit;
  const shown = rows.slice(0, limit);
  let voted = new Set<string>();
  if (query.viewerId != null && shown.length) {
    const mine = await db
      .selectFrom('upvotes')
      .select('paper_id')
      .where('user_id', '=', query.viewerId)
      .where(
        'paper_id',
        'in',
        shown.map((r) => r.id),
      )
      .execute();
    voted = new Set(mine.map((r) => r.paper_id));
  }
  const entries = shown.map((r): DailyEntry => {
    const paper = toPaper(r);
    return {
      paper,
      feedDay: r.feed_day,
      submittedAt: r.submitted_at,
      submitter: r.submitted_by != null && r.username != null ? { id: Number(r.submitted_by), username: r.username, displayName: r.display_name } : null,
      comment: r.submission_comment,
      githubRepo: r.submission_github_repo ?? paper.githubRepo,
      projectPage: r.submission_project_page ?? paper.projectPage,
      upvotes: Number(r.upvotes),
      commentsCount: Number(r.comments_count),
      hotness: Number(r.hotness),
      viewerUpvoted: voted.has(r.id),
      githubStars: r.github_stars == null ? null : Number(r.github_stars),
      githubStarsGained: r.github_stars_gained == null ? null : Number(r.github_stars_gained),
    };
  });
  return { entries, page, limit, hasMore };
}

/**
 * Stars gained by the repository joined as `g` over the last STARS_GAINED_DAYS days: its count now
 * less its last count on or before the window's first day (else its first count, for a repository
 * tracked for less than the window).
 */
function starsGained(now: Date) {
  const since = new Date(now.getTime() - STARS_GAINED_DAYS * 24 * 3600_000).toISOString().slice(0, 10);
  return sql<number | null>`(g.stars - coalesce(
    (SELECT h.stars FROM github_repo_stars h WHERE h.url = g.url AND h.day <= ${since} ORDER BY h.day DESC LIMIT 1),
    (SELECT h.stars FROM github_repo_stars h WHERE h.url = g.url ORDER BY h.day ASC LIMIT 1)))`;
}

/** The feed entries of those of `ids` that are featured (and not hidden), by paper id. */
export async function dailyEntriesOf(database: Database, ids: string[]): Promise<Map<string, DailyEntry>> {
  const out = new Map<string, DailyEntry>();
  for (const part of chunks(ids, MAX_LIMIT)) {
    const { entries } = await listDailyPapers(database, { paperIds: part, limit: part.length });
    for (const e of entries) out.set(e.paper.id, e);
  }
  return out;
}

/** The newest feed day that has a visible submission, or null on an empty feed. */
export async function latestFeedDay(database: Database): Promise<string | null> {
  const row = await database.db.selectFrom('submissions').select('feed_day').where('hidden', '=', 0).orderBy('feed_day', 'desc').limit(1).executeTakeFirst();
  return row?.feed_day ?? null;
}

/** The nearest feed days with visible submissions before and after a day (weekends are skipped). */
export async function adjacentFeedDays(database: Database, day: string): Promise<{ previous: string | null; next: string | null }> {
  const { db } = database;
  const [prev, next] = await Promise.all([
    db.selectFrom('submissions').select('feed_day').where('hidden', '=', 0).where('feed_day', '<', day).orderBy('feed_day', 'desc').limit(1).executeTakeFirst(),
    db.selectFrom('submissions').select('feed_day').where('hidden', '=', 0).where('feed_day', '>', day).orderBy('feed_day', 'asc').limit(1).executeTakeFirst(),
  ]);
  return { previous: prev?.feed_day ?? null, next: next?.feed_day ?? null };
}

/** First and last feed day with visible submissions: week and month navigation stays inside them. */
export async function feedDayRange(database: Database): Promise<{ first: string; last: string } | null> {
  const { db } = database;
  const [first, last] = await Promise.all([
    db.selectFrom('submissions').select('feed_day').where('hidden', '=', 0).orderBy('feed_day', 'asc').limit(1).executeTakeFirst(),
    latestFeedDay(database),
  ]);
  return first && last ? { first: first.feed_day, last } : null;
}

/**
 * A number that changes whenever any submission changes (new, voted, commented, hidden): pages
 * rendered at one version are current while it stands. Kept by triggers (migration 0005).
 */
export async function feedVersion(database: Database): Promise<number> {
  const row = await database.db.selectFrom('feed_state').select('version').where('id', '=', 1).executeTakeFirst();
  return Number(row?.version ?? 0);
}

/**
 * Something shown on these papers' cards changed outside their submissions (a thumbnail drawn): the
 * pages rendered before now are stale if they may list one of them, which cached pages (feed pages,
 * /api/daily_papers, the feeds) only do for a paper with a visible submission. Then the feed version
 * is bumped once, as a vote bumps it, so every process renders those pages again on their next
 * check; papers on no feed bump nothing. Whether it bumped.
 */
export async function feedPapersChanged(db: Kysely<Schema>, paperIds: readonly string[]): Promise<boolean> {
  let listed = false;
  for (const part of chunks([...new Set(paperIds)], 500)) {
    listed = !!(await db.selectFrom('submissions').select('paper_id').where('paper_id', 'in', part).where('hidden', '=', 0).limit(1).executeTakeFirst());
    if (listed) break;
  }
  if (listed) await db.updateTable('feed_state').set({ version: sql`version + 1` }).where('id', '=', 1).execute();
  return listed;
}

/** The last GitHub star count of a repository link (null: not counted, or no link). */
export async function githubStarsOf(database: Database, url: string | null): Promise<number | null> {
  if (!url) return null;
  const row = await database.db.selectFrom('github_repos').select('stars').where('url', '=', url).executeTakeFirst();
  return row?.stars == null ? null : Number(row.stars);
}
