// The markup of every feed page (home, day, week, month, trending): one template, so they look
// and behave alike. Pages decide what to list; this decides how it looks.
import type { DailyEntry } from '../feed/daily.js';
import { html, raw, type SafeHtml } from '../util/html.js';
import { EXPORT_FORMATS, EXPORT_LABELS } from '../papers/citation.js';
import { authorLinks, excerpt, formatDate, keywordChips, paperLinks, paperPath, thumbnailFigure } from './components.js';
import type { Thumbnail } from '../ingest/thumbnails.js';
import { paperKeywords } from '../papers/keywords.js';

/** Entries per HTML feed page. */
export const FEED_PAGE_SIZE = 50;

export interface NavLink {
  href: string;
  label: string;
}

export interface FeedView {
  /** which tab is current */
  tab: 'daily' | 'weekly' | 'monthly' | 'trending';
  /** the trending pages: link the other of Trending and Trending by code */
  trendingByCode?: boolean;
  /** heading of the listed period, e.g. "Friday, May 29, 2026" */
  heading: string;
  /** canonical path of this listing, without query (filters and pages are added to it) */
  path: string;
  previous?: NavLink | null;
  next?: NavLink | null;
  /** links for the Daily / Weekly / Monthly tabs, pointing at the period around this one */
  tabLinks: { daily: string; weekly: string; monthly: string };
  /** the listing's filters: a category, and the username of the member who submitted */
  filters: FeedFilters;
  entries: DailyEntry[];
  page: number;
  hasMore: boolean;
  /** show each entry's feed day (listings that span days) */
  showDay?: boolean;
  /** the upvote form for a signed-in member (src/web/community-components.ts); none: a sign-in link */
  voteBox?: (e: DailyEntry) => SafeHtml;
  /** Save / Not interested for a signed-in member (src/web/community-components.ts) */
  signalBox?: (e: DailyEntry) => SafeHtml;
  /** THUMBNAILS: the drawn thumbnails of the listed papers */
  thumbnails?: ReadonlyMap<string, Thumbnail>;
  /** For-you sort: why each paper ranks where it does */
  reasons?: Map<string, string>;
  /** signed in: the Community / For you sort links */
  sortLinks?: boolean;
  /** Follow this category, and its feed links (a category filter only) */
  follow?: SafeHtml;
  /** the `_csrf` hidden field for the page's forms */
  csrf: SafeHtml;
  empty: SafeHtml | string;
}

export interface FeedFilters {
  category?: string;
  submitter?: string;
  /** foryou: ranked for the signed-in member; none: the community's order */
  sort?: 'foryou';
  /** only papers with a code repository */
  hasCode?: boolean;
}

/** path + the filters + a page number, as one URL. */
export function feedHref(path: string, filters: FeedFilters, page = 0): string {
  const q = new URLSearchParams();
  if (filters.category) q.set('category', filters.category);
  if (filters.submitter) q.set('submitter', filters.submitter);
  if (filters.sort) q.set('sort', filters.sort);
  if (filters.hasCode) q.set('hasCode', '1');
  if (page > 0) q.set('p', String(page));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** csrf: the form's hidden `_csrf` field (every POST is checked, see src/web/session.ts). */
export function subscribeBox(csrf: SafeHtml | string = ''): SafeHtml {
  // Where the seed page has it: first thing above the heading. POST /subscribe is the digest's.
  return html`<section class="subscribe" aria-labelledby="subscribe-title">
  <p id="subscribe-title"><strong>Get trending papers in your email inbox!</strong></p>
  <form method="post" action="/subscribe">
    ${csrf}
    <label class="visually-hidden" for="subscribe-email">Email address</label>
    <input id="subscribe-email" type="email" name="email" required autocomplete="email" placeholder="you@example.org">
    <button type="submit">Subscribe</button>
  </form>
</section>`;
}

/**
 * Signed out, the upvote is a link to sign in (where the vote would send them anyway): the page
 * then carries nothing per visitor, so anonymous pages can be cached and shared.
 */
function signInToUpvote(e: DailyEntry, back: string): SafeHtml {
  return html`<div class="votes">
  <a class="upvote" href="/signin?next=${encodeURIComponent(back)}" title="Sign in to upvote (u)"><span aria-hidden="true">▲</span><span class="visually-hidden">Sign in to upvote</span></a>
  <span class="count" aria-label="${e.upvotes} upvote${e.upvotes === 1 ? '' : 's'}">${e.upvotes}</span>
</div>`;
}

function feedCard(e: DailyEntry, v: FeedView): SafeHtml {
  const p = e.paper;
  const who = e.submitter;
  const thumb = thumbnailFigure(p.id, v.thumbnails?.get(p.id));
  return html`<li class="paper-card${thumb ? ' with-thumb' : ''}" data-paper-id="${p.id}">
  <div class="side">${v.voteBox ? v.voteBox(e) : signInToUpvote(e, feedHref(v.path, v.filters, v.page))}</div>
  <article>
    <h3><a class="title" href="${paperPath(p.id)}">${p.title}</a></h3>
    <p class="authors">${authorLinks(p.authors)}</p>
    ${v.reasons?.has(p.id) ? html`<p class="reason">${v.reasons.get(p.id)}</p>` : ''}
    <p class="excerpt">${excerpt(p.abstract)}</p>
    ${keywordChips(paperKeywords(p).slice(0, 4))}
    <div class="meta">
      ${v.showDay ? html`<a href="/papers/date/${e.feedDay}"><time datetime="${e.feedDay}">${formatDate(`${e.feedDay}T12:00:00Z`)}</time></a>` : ''}
      ${p.categories.slice(0, 3).map((c) => html`<a class="chip" href="${feedHref(v.path, { ...v.filters, category: c })}" title="Only ${c}">${c}</a>`)}
      ${paperLinks({ id: p.id, githubRepo: e.githubRepo, projectPage: e.projectPage, githubStars: e.githubStars })}
      ${e.githubStarsGained ? html`<span class="stars-gained" title="GitHub stars gained in the last 7 days">+${e.githubStarsGained} this week</span>` : ''}
      <a href="${paperPath(p.id)}#comments">${e.commentsCount} comment${e.commentsCount === 1 ? '' : 's'}</a>
      ${who ? html`<span class="submitter">Submitted by <a href="/u/${encodeURIComponent(who.username)}">${who.displayName ?? who.username}</a></span>` : ''}
      ${v.signalBox ? v.signalBox(e) : ''}
    </div>
  </article>
  ${thumb}
</li>`;
}

function tabs(v: FeedView): SafeHtml {
  const tab = (key: FeedView['tab'], href: string, label: string) =>
    html`<a href="${href}"${v.tab === key ? html` aria-current="page" class="current"` : ''}>${label}</a>`;
  return html`<nav class="tabs" aria-label="Feed period">
  ${tab('daily', v.tabLinks.daily, 'Daily')}${tab('weekly', v.tabLinks.weekly, 'Weekly')}${tab('monthly', v.tabLinks.monthly, 'Monthly')}${tab('trending', '/papers/trending', 'Trending')}
</nav>`;
}

export function feedBody(v: FeedView): SafeHtml {
  const nav = (l: NavLink | null | undefined, rel: 'prev' | 'next') =>
    l
      ? html`<a rel="${rel}" href="${feedHref(l.href, v.filters)}">${rel === 'prev' ? '← ' : ''}${l.label}${rel === 'next' ? ' →' : ''}</a>`
      : html`<span></span>`;
  return html`${subscribeBox(v.csrf)}
<div class="page-head feed-head">
  <div><h1>Daily Papers</h1><p class="muted">by the research community</p></div>
  ${tabs(v)}
</div>
<div class="period-nav">
  ${nav(v.previous, 'prev')}
  <h2>${v.heading}</h2>
  ${nav(v.next, 'next')}
</div>
${
  v.trendingByCode
    ? html`<p class="trending-views">${v.path === '/papers/trending/code' ? html`<a href="/papers/trending">Trending by votes</a> · <strong>By code</strong>` : html`<strong>By votes</strong> · <a href="/papers/trending/code">Trending by code</a>`}</p>`
    : ''
}
<form class="filter" method="get" action="${v.path}">
  <label for="category">Category</label>
  <input id="category" name="category" value="${v.filters.category ?? ''}" placeholder="e.g. cs.CL" maxlength="40" pattern="[A-Za-z][A-Za-z.\\-]*">
  <label for="submitter">Submitted by</label>
  <input id="submitter" name="submitter" value="${v.filters.submitter ?? ''}" placeholder="username" maxlength="30" pattern="[a-zA-Z0-9][a-zA-Z0-9_\\-]{1,29}">
  <label class="check"><input type="checkbox" name="hasCode" value="1"${v.filters.hasCode ? raw(' checked') : ''}> Has code</label>
  <button type="submit" class="secondary">Filter</button>
  ${v.filters.category || v.filters.submitter || v.filters.hasCode ? html`<a href="${v.path}">Clear filters</a>` : ''}
  ${v.filters.sort ? html`<input type="hidden" name="sort" value="${v.filters.sort}">` : ''}
  ${
    v.sortLinks
      ? html`<span class="sort-links">Sort:
    <a href="${feedHref(v.path, { ...v.filters, sort: undefined })}"${v.filters.sort ? '' : html` aria-current="true"`}>Community</a>
    <a href="${feedHref(v.path, { ...v.filters, sort: 'foryou' })}"${v.filters.sort === 'foryou' ? html` aria-current="true"` : ''}>For you</a></span>`
      : ''
  }
</form>
${v.follow ? html`<div class="follow-bar">${v.follow}</div>` : ''}
${v.entries.length ? html`<ol class="papers feed" start="${v.page * FEED_PAGE_SIZE + 1}">${v.entries.map((e) => feedCard(e, v))}</ol>` : html`<p class="notice">${v.empty}</p>`}
<nav class="pager" aria-label="Pages">
  ${v.page > 0 ? html`<a rel="prev" href="${feedHref(v.path, v.filters, v.page - 1)}">← Previous page</a>` : html`<span></span>`}
  ${v.hasMore ? html`<a rel="next" href="${feedHref(v.path, v.filters, v.page + 1)}">Next page →</a>` : ''}
</nav>
${
  v.entries.length
    ? html`<p class="muted exports">Export this list: ${EXPORT_FORMATS.map(
        (f, i) =>
          html`${i ? ' · ' : ''}<a href="${feedHref(v.path, { ...v.filters, sort: undefined }).replace(/(\?|$)/, (m) => (m ? `?format=${f}&` : `?format=${f}`))}">${EXPORT_LABELS[f]}</a>`,
      )}</p>`
    : ''
}
<p class="muted keys">Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>u</kbd> upvote, <kbd>o</kbd> open.</p>`;
}
