// Shared by the feed page handlers: read the filter and page from the query, run the one feed
// query, work out previous/next, and render with feed-view.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { AppDeps } from './deps.js';
import type { CachedPage } from './page-cache.js';
import { errorPage } from './error-page.js';
import { adjacentFeedDays, feedDayRange, feedVersion, listDailyPapers } from '../feed/daily.js';
import { monthOf, periodLabel, periodPath, shiftPeriod, weekOf, type Period } from '../feed/period.js';
import { html, raw } from '../util/html.js';
import { csrfField, page as pageWithAccount } from './session.js';
import { followButton, signalButtons, upvoteBox } from './community-components.js';
import { feedAnchors, feedLinks } from './feeds/paper-feed.js';
import { feedBody, FEED_PAGE_SIZE, type FeedFilters, type FeedView, type NavLink } from './feed-view.js';
import { USERNAME_RE } from '../community/accounts.js';
import { viewerOf } from './viewer.js';
import { MAX_PAGE } from './api/daily-papers-list.schema.js';
import { Category } from '../papers/schemas.js';
import { parseWholeNumber } from '../util/strict-input.js';
import type { ExportFormat } from '../papers/citation.js';
import { exportDownload, exportFormatOf, MAX_LIST_EXPORT } from './exports.js';
import { listedThumbnails } from './listed-thumbnails.js';

/** The query string of every feed page; checked in parseFeedPageQuery, whose messages read better on a page. */
export const FeedPageQuerySchema = Type.Object({
  category: Type.Optional(Category),
  submitter: Type.Optional(Type.String({ pattern: USERNAME_RE.source, description: 'username of the member who submitted' })),
  p: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PAGE, description: 'page number, from 0' })),
  sort: Type.Optional(Type.Literal('foryou', { description: 'foryou: ranked for the signed-in member' })),
  hasCode: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0')], { description: '1: only papers with a code repository' })),
});

export interface FeedPageQuery {
  category?: string;
  submitter?: string;
  p?: string;
  sort?: string;
  hasCode?: string;
  /** bibtex | ris | csl-json: the listing as a download (src/web/exports.ts) */
  format?: string;
}

const checkFeedPageQuery = TypeCompiler.Compile(FeedPageQuerySchema);

/** Input of every feed page: ?category=, ?submitter= and ?p=, checked here (a bad value is a 400 page). */
export function parseFeedPageQuery(q: FeedPageQuery): { filters: FeedFilters; page: number } | string {
  const given = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const input = {
    category: given(q.category),
    submitter: given(q.submitter),
    // Digits only (util/strict-input.ts): anything else stays text and fails the check.
    sort: given(q.sort),
    hasCode: given(q.hasCode),
    p: q.p === undefined ? undefined : typeof q.p === 'string' ? (parseWholeNumber(q.p) ?? q.p) : String(q.p),
  };
  const problem = checkFeedPageQuery.Check(input) ? undefined : checkFeedPageQuery.Errors(input).First();
  if (problem?.path === '/category') return `"${String(input.category).slice(0, 40)}" is not an arXiv category (e.g. cs.CL).`;
  if (problem?.path === '/submitter') return `"${String(input.submitter).slice(0, 40)}" is not a username (2 to 30 letters, digits, "-" or "_").`;
  if (problem?.path === '/sort') return `Sort "${String(input.sort).slice(0, 20)}" is not known (foryou, or none for the community's order).`;
  if (problem?.path === '/hasCode') return `hasCode "${String(input.hasCode).slice(0, 20)}" must be 1 (only papers with code) or 0.`;
  if (problem) return `Page "${String(q.p).slice(0, 20)}" is not a page number.`;
  return {
    filters: {
      category: input.category,
      submitter: input.submitter,
      sort: input.sort as 'foryou' | undefined,
      ...(input.hasCode === '1' ? { hasCode: true } : {}),
    },
    page: (input.p as number | undefined) ?? 0,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "May 28, 2026" (by hand: an Intl formatter per call costs more than the rest of the page). */
function shortDay(day: string): string {
  return `${MONTHS[Number(day.slice(5, 7)) - 1]} ${Number(day.slice(8, 10))}, ${day.slice(0, 4)}`;
}

/** The day the Daily/Weekly/Monthly tabs centre on: this day, else the newest feed day listed. */
function tabDay(period: Period | null, lastFeedDay: string | null, newestListed: string | undefined): string {
  if (period?.kind === 'day') return period.from;
  const last = lastFeedDay ?? new Date().toISOString().slice(0, 10);
  if (!period) return last;
  if (newestListed) return newestListed;
  return last < period.from ? period.from : last > period.to ? period.to : last;
}

/** Stands in for the visitor's CSRF token in cached pages; no escaped text can produce it. */
const CSRF_SLOT = '\u0000csrf\u0000';
const CSRF_SLOT_BYTES = Buffer.from(CSRF_SLOT);

function withCsrf(body: Buffer, req: FastifyRequest): Buffer {
  let at = body.indexOf(CSRF_SLOT_BYTES);
  if (at < 0) return body;
  // The token is base64url: safe inside an attribute as it is. Spliced as bytes: decoding and
  // re-encoding the page for every visitor cost more than serving it.
  const token = Buffer.from(req.csrfToken());
  const parts: Buffer[] = [];
  let from = 0;
  for (; at >= 0; at = body.indexOf(CSRF_SLOT_BYTES, from)) {
    parts.push(body.subarray(from, at), token);
    from = at + CSRF_SLOT_BYTES.length;
  }
  parts.push(body.subarray(from));
  return Buffer.concat(parts);
}

export function badRequestPage(reply: FastifyReply, message: string) {
  return reply
    .code(400)
    .type('text/html; charset=utf-8')
    .send(errorPage(400, 'Bad request', message));
}

export interface FeedPageOptions {
  /** null: trending (all feed days, by hotness) */
  period: Period | null;
  /** the path this listing lives at (the home page passes its day's path as canonical) */
  path: string;
  canonical?: string;
  /** trending by code: papers with a repository, by GitHub stars gained in the last week */
  code?: boolean;
}

/** o may be computed lazily (the home page looks up its day), after the cache had its chance. */
export async function sendFeedPage(
  req: FastifyRequest<{ Querystring: FeedPageQuery }>,
  reply: FastifyReply,
  deps: AppDeps,
  options: FeedPageOptions | (() => Promise<FeedPageOptions>),
) {
  const parsed = parseFeedPageQuery(req.query);
  if (typeof parsed === 'string') return badRequestPage(reply, parsed);
  const format = exportFormatOf(req.query);
  if (format && typeof format === 'object') return badRequestPage(reply, format.error);
  const { database, pageCache } = deps;
  if (format) {
    // The same download for everyone (the community's order, no viewer): rendered once per feed
    // version, as the anonymous pages are; a burst of exports must not hold the event loop each time.
    const render = async () => feedExport(deps, typeof options === 'function' ? await options() : options, parsed.filters, format);
    const { page, state } = await pageCache.serve(req.url, () => feedVersion(database), render);
    return reply
      .type(page.contentType)
      .headers(page.headers ?? {})
      .header('X-Cache', state)
      .send(page.body);
  }
  const viewer = viewerOf(req);
  // Anonymous visitors all see the same page: rendered once, then served from the cache (src/web/page-cache.ts).
  const shared = viewer.userId === null;
  const render = async (): Promise<CachedPage> => {
    const o = typeof options === 'function' ? await options() : options;
    return { contentType: 'text/html; charset=utf-8', body: Buffer.from(await renderFeedPage(req, deps, o, parsed, shared)) };
  };
  if (!shared) {
    const page = await render();
    return reply.type(page.contentType).send(page.body);
  }
  const { page, state } = await pageCache.serve(req.url, () => feedVersion(database), render);
  return reply.type(page.contentType).header('X-Cache', state).send(withCsrf(page.body, req));
}

/** The whole listing (filters kept, the community's order, at most MAX_LIST_EXPORT papers) as a download. */
async function feedExport(deps: AppDeps, o: FeedPageOptions, filters: FeedFilters, format: ExportFormat): Promise<CachedPage> {
  const papers = [];
  for (let page = 0; papers.length < MAX_LIST_EXPORT; page++) {
    const part = await listDailyPapers(deps.database, {
      period: o.period ?? undefined,
      category: filters.category,
      submitter: filters.submitter,
      hasCode: filters.hasCode === true || o.code === true,
      sort: o.code ? 'stars_gained' : o.period ? 'publishedAt' : 'trending',
      page,
      limit: 100,
      viewerId: null,
    });
    papers.push(...part.entries.map((e) => e.paper));
    if (!part.hasMore) break;
  }
  const name = `paperboy-${o.period ? o.period.key : 'trending'}${filters.category ? `-${filters.category}` : ''}`;
  return exportDownload(papers.slice(0, MAX_LIST_EXPORT), format, name);
}

/** Papers of a listing the For-you sort ranks at most (a day has far fewer submissions). */
const FOR_YOU_SORT_MAX = 1000;

/**
 * The listing ranked for the member: every entry of it (up to FOR_YOU_SORT_MAX) in their order, then
 * the page asked for. A member with no signals yet keeps the community's order.
 */
async function forYouListing(deps: AppDeps, userId: number, query: Parameters<typeof listDailyPapers>[1]) {
  const all = [];
  for (let p = 0; p * 100 < FOR_YOU_SORT_MAX; p++) {
    const part = await listDailyPapers(deps.database, { ...query, page: p, limit: 100 });
    all.push(...part.entries);
    if (!part.hasMore) break;
  }
  const reasons = new Map<string, string>();
  const reader = await deps.recommend.reader(userId);
  let ordered = all;
  if (!reader.cold && all.length) {
    const ranked = await deps.recommend.rank(
      userId,
      all.map((e) => e.paper.id),
      { reasons: ((query.page ?? 0) + 1) * FEED_PAGE_SIZE },
    );
    const byId = new Map(all.map((e) => [e.paper.id, e]));
    ordered = ranked.map((r) => byId.get(r.id)!);
    for (const r of ranked) if (r.reason) reasons.set(r.id, r.reason);
  }
  const from = (query.page ?? 0) * FEED_PAGE_SIZE;
  return { entries: ordered.slice(from, from + FEED_PAGE_SIZE), hasMore: ordered.length > from + FEED_PAGE_SIZE, reasons };
}

async function renderFeedPage(
  req: FastifyRequest,
  deps: AppDeps,
  o: FeedPageOptions,
  { filters, page }: { filters: FeedFilters; page: number },
  shared: boolean,
): Promise<string> {
  const { database } = deps;
  const { category, submitter } = filters;
  const viewer = viewerOf(req);
  const period = o.period;
  const query = {
    period: period ?? undefined,
    category,
    submitter,
    hasCode: filters.hasCode === true || o.code === true,
    sort: o.code ? ('stars_gained' as const) : period ? ('publishedAt' as const) : ('trending' as const),
    page,
    limit: FEED_PAGE_SIZE,
    viewerId: viewer.userId,
  };
  const forYou = filters.sort === 'foryou' && viewer.userId !== null;
  const [list, range] = await Promise.all([
    forYou ? forYouListing(deps, viewer.userId!, query) : listDailyPapers(database, query).then((l) => ({ ...l, reasons: undefined })),
    feedDayRange(database),
  ]);
  const followsCategory = category && viewer.userId !== null ? await deps.follows.isFollowing(viewer.userId, 'category', category) : false;
  // The listing's own feed: the latest days (or trending) narrowed to the category.
  const categoryFeed = category ? `${period ? '/papers/feed.xml' : '/papers/trending/feed.xml'}?category=${encodeURIComponent(category)}` : null;
  // THUMBNAILS: the drawn ones are shown; the rest are asked for (a worker draws them).
  const thumbnails = await listedThumbnails(
    deps,
    list.entries.map((e) => e.paper.id),
  );
  const [mine, collections] =
    viewer.userId === null
      ? [null, undefined]
      : await Promise.all([
          deps.recommend.signals.among(
            viewer.userId,
            list.entries.map((e) => e.paper.id),
          ),
          deps.recommend.collections.mine(viewer.userId),
        ]);
  let previous: NavLink | null = null;
  let next: NavLink | null = null;
  if (period?.kind === 'day') {
    const adj = await adjacentFeedDays(database, period.from);
    previous = adj.previous ? { href: `/papers/date/${adj.previous}`, label: shortDay(adj.previous) } : null;
    next = adj.next ? { href: `/papers/date/${adj.next}`, label: shortDay(adj.next) } : null;
  } else if (period && range) {
    // Calendar neighbours, as long as they overlap the days that have submissions.
    const before = shiftPeriod(period, -1);
    const after = shiftPeriod(period, 1);
    const label = (p: Period) => (p.kind === 'week' ? `Week ${Number(p.key.slice(6))}` : periodLabel(p));
    previous = before.to >= range.first ? { href: periodPath(before), label: label(before) } : null;
    next = after.from <= range.last ? { href: periodPath(after), label: label(after) } : null;
  }
  const dayOfPeriod = tabDay(period, range?.last ?? null, list.entries[0]?.feedDay);
  const view: FeedView = {
    tab: !period ? 'trending' : period.kind === 'day' ? 'daily' : period.kind === 'week' ? 'weekly' : 'monthly',
    heading: period ? periodLabel(period) : o.code ? 'Trending by code: GitHub stars gained this week' : 'Trending papers',
    trendingByCode: !period,
    path: o.path,
    previous,
    next,
    tabLinks: { daily: `/papers/date/${dayOfPeriod}`, weekly: periodPath(weekOf(dayOfPeriod)), monthly: periodPath(monthOf(dayOfPeriod)) },
    filters,
    entries: list.entries,
    page,
    hasMore: list.hasMore,
    showDay: period?.kind !== 'day',
    // Shared (cached) pages carry a slot that each response fills with its visitor's token.
    csrf: shared ? raw(`<input type="hidden" name="_csrf" value="${CSRF_SLOT}">`) : csrfField(req),
    voteBox: viewer.userId === null ? undefined : (e) => upvoteBox(req, { paperId: e.paper.id, upvotes: e.upvotes, voted: e.viewerUpvoted, back: req.url }),
    signalBox: mine
      ? (e) =>
          signalButtons(req, { paperId: e.paper.id, saved: mine.saved.has(e.paper.id), dismissed: mine.dismissed.has(e.paper.id), back: req.url, collections })
      : undefined,
    reasons: list.reasons,
    thumbnails,
    follow:
      category && categoryFeed
        ? html`<span>Papers in <strong>${category}</strong>:</span> ${followButton(req, { kind: 'category', value: category, label: category, following: followsCategory, back: req.url })} ${feedAnchors(categoryFeed)}`
        : undefined,
    sortLinks: viewer.userId !== null,
    empty: submitter
      ? html`No papers submitted by <strong>${submitter}</strong>${category ? html` in <strong>${category}</strong>` : ''} here. <a href="${o.path}">Show everyone's</a>.`
      : category
        ? html`No papers in <strong>${category}</strong> here. <a href="${o.path}">Show all categories</a>.`
        : period
          ? 'No papers were submitted in this period.'
          : html`No papers have been submitted yet. <a href="/submit">Submit the first one</a>.`,
  };
  const head = html`<link rel="alternate" type="application/atom+xml" title="Paperboy · Daily Papers" href="/papers/feed.xml">
<link rel="alternate" type="application/atom+xml" title="Paperboy · Trending" href="/papers/trending/feed.xml">
<link rel="alternate" type="application/feed+json" title="Paperboy · Daily Papers (JSON Feed)" href="/papers/feed.json">
${categoryFeed ? feedLinks(categoryFeed, `Paperboy · ${category}`) : ''}
${o.canonical ? html`<link rel="canonical" href="${o.canonical}">` : ''}`;
  // page() adds the account links; signed out they are the same for everyone.
  return pageWithAccount(req, {
    title: `Daily Papers · ${view.heading} · Paperboy`,
    body: feedBody(view),
    head,
    scripts: viewer.userId === null ? ['feed.js'] : ['feed.js', 'community.js'],
  });
}
