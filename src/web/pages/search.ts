import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { html, type SafeHtml } from '../../util/html.js';
import { layout, type PageOptions } from '../layout.js';
import { page } from '../session.js';
import { followButton, signalButtons } from '../community-components.js';
import { feedAnchors, feedLinks } from '../feeds/paper-feed.js';
import { paperCard } from '../components.js';
import { listedThumbnails } from '../listed-thumbnails.js';
import { snippet } from '../../search/snippet.js';
import { parseSearchRequest, searchQuerySchema } from '../../search/request.js';
import { checkedInHandler } from '../api/schemas.js';
import { SearchBusy } from '../../search/answers.js';
import type { SearchResult } from '../../search/service.js';
import { EXPORT_FORMATS, EXPORT_LABELS } from '../../papers/citation.js';
import { exportFormatOf, sendExport } from '../exports.js';
import type { SearchRequest } from '../../search/service.js';
import type { ExportFormat } from '../../papers/citation.js';

const SEARCH_PAGE_LIMIT = 50;

/** The search's export URL, from the request as parsed (the results page is shared between visitors). */
function searchExportHref(r: SearchRequest, format: ExportFormat): string {
  const q = new URLSearchParams({ q: r.q });
  if (r.from) q.set('from', r.from);
  if (r.to) q.set('to', r.to);
  if (r.category) q.set('category', r.category);
  if (r.featured) q.set('featured', '1');
  if (r.sort && r.sort !== 'relevance') q.set('sort', r.sort);
  if (r.limit !== SEARCH_PAGE_LIMIT) q.set('limit', String(r.limit));
  q.set('format', format);
  return `/search?${q}`;
}

/** GET /search?q=: results with highlighted snippets, and filters for dates, category, featured papers and sort. */
export function registerSearchPage(app: FastifyInstance, deps: AppDeps) {
  const { searchAnswers, recommend, search } = deps;
  // The same query schema as /api/papers/search; a bad value is a 400 page naming the field.
  app.get<{ Querystring: Record<string, unknown> }>(
    '/search',
    { schema: { querystring: searchQuerySchema(SEARCH_PAGE_LIMIT) }, ...checkedInHandler },
    async (req, reply) => {
      // "For you": the most relevant results ranked for the signed-in member (the search itself is everyone's).
      const forYou = req.query.sort === 'foryou' && !!req.user;
      const parsed = parseSearchRequest(req.query.sort === 'foryou' ? { ...req.query, sort: 'relevance' } : req.query, SEARCH_PAGE_LIMIT);
      const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 250) : '';
      // A search with words has feeds (the same filters, newest first) and can be followed.
      let head: SafeHtml | undefined;
      let followBar: SafeHtml | string = '';
      if (q.trim()) {
        const qs = new URLSearchParams();
        for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string' && v && k !== 'limit' && !(k === 'sort' && v === 'foryou')) qs.set(k, v);
        const feed = `/search/feed.xml?${qs}`;
        head = feedLinks(feed, `Paperboy · Search: ${q.trim()}`);
        const following = req.user ? await deps.follows.isFollowing(req.user.id, 'search', q) : false;
        followBar = html`<div class="follow-bar">${followButton(req, { kind: 'search', value: q.trim(), label: `“${q.trim()}”`, following, back: req.url })} ${feedAnchors(feed)}</div>`;
      }
      const send = (status: number, body: unknown) =>
        reply
          .code(status)
          .type('text/html; charset=utf-8')
          .send(
            // A member's page carries their account links, and community.js for Save / Not interested.
            (req.user ? (o: PageOptions) => page(req, { ...o, scripts: ['community.js'] }) : layout)({
              title: q ? `${q} · Search · Paperboy` : 'Search · Paperboy',
              query: q,
              head,
              body: (status === 200 ? html`${followBar}${body as SafeHtml}` : body) as never,
            }),
          );
      if ('error' in parsed) return send(400, html`<section class="error-page"><h1>Search</h1><p class="muted">${parsed.error}</p></section>`);
      // ?format=bibtex|ris|csl-json: the results (up to `limit`) as a download, the same for everyone.
      const format = exportFormatOf(req.query);
      if (format && typeof format === 'object')
        return send(400, html`<section class="error-page"><h1>Search</h1><p class="muted">${format.error}</p></section>`);
      if (format) {
        if (!parsed.q)
          return send(400, html`<section class="error-page"><h1>Search</h1><p class="muted">export: a search export needs a query (q=)</p></section>`);
        try {
          const r = await searchAnswers.answer('results', parsed, (x) => ({ value: x, bytes: 2000 * x.papers.length }));
          return sendExport(
            reply,
            r.papers.map((x) => x.paper),
            format,
            `search-${parsed.q}`,
          );
        } catch (e) {
          if (!(e instanceof SearchBusy)) throw e;
          return reply.code(503).header('Retry-After', String(e.retryAfterSeconds)).type('text/plain; charset=utf-8').send('search: busy, try again shortly\n');
        }
      }
      const filters = html`<form class="search-filters" action="/search" method="get">
  <input type="hidden" name="q" value="${parsed.q}">
  <label>From <input type="date" name="from" value="${parsed.from ?? ''}"></label>
  <label>To <input type="date" name="to" value="${parsed.to ?? ''}"></label>
  <label>Category <input name="category" placeholder="cs.LG" value="${parsed.category ?? ''}" size="8"></label>
  <label><input type="checkbox" name="featured" value="1"${parsed.featured ? ' checked' : ''}> Featured only</label>
  <label><input type="checkbox" name="hasCode" value="1"${parsed.hasCode ? ' checked' : ''}> Has code</label>
  <label>Sort <select name="sort">
    <option value="relevance"${parsed.sort === 'relevance' ? ' selected' : ''}>relevance</option>
    <option value="date"${parsed.sort === 'date' ? ' selected' : ''}>newest</option>
    <option value="upvotes"${parsed.sort === 'upvotes' ? ' selected' : ''}>most upvoted</option>
    ${req.user ? html`<option value="foryou"${forYou ? ' selected' : ''}>for you</option>` : ''}
  </select></label>
  <button type="submit">Apply</button>
</form>`;
      if (!parsed.q) return send(200, html`<section><h1>Search</h1><p class="muted">Type words or a description of the paper you half remember.</p></section>`);
      // The results are the same for every visitor: kept as HTML, wrapped in each visitor's layout.
      // Sorted for a member, the shared results are kept as they are and ordered for them per request.
      let results: SafeHtml;
      // The in-memory lexical index is still loading: the slower fallback answers (see /api/papers/search).
      if (search.lexicalIndexBuilding?.()) reply.header('X-Search-Index', 'building');
      try {
        const render = async (r: SearchResult, mine?: { reasons?: Map<string, string>; buttons: (id: string) => SafeHtml }) => {
          const thumbnails = await listedThumbnails(
            deps,
            r.papers.map((x) => x.paper.id),
          );
          const cards = r.papers.map(({ paper, featured, upvotes }) =>
            paperCard(paper, {
              thumbnail: thumbnails.get(paper.id),
              snippet: html`${snippet(paper.abstract, parsed.q).map((p) => (p.hit ? html`<mark>${p.text}</mark>` : html`${p.text}`))}`,
              note: mine?.reasons?.has(paper.id) ? html`<p class="reason">${mine.reasons.get(paper.id)}</p>` : undefined,
              meta: html`${featured ? html`<span class="chip featured" title="featured in the daily feed">▲ ${upvotes}</span>` : ''}${mine ? mine.buttons(paper.id) : ''}`,
            }),
          );
          const value = html`<section class="search-results">
<h1>Search: ${parsed.q}</h1>
${filters}
<p class="muted">${r.papers.length} ${r.papers.length === 1 ? 'paper' : 'papers'} · ${r.mode === 'hybrid' ? 'by meaning and words' : 'by words'}${
            r.papers.length
              ? html` · Export: ${EXPORT_FORMATS.map((f, i) => html`${i ? ', ' : ''}<a href="${searchExportHref(parsed, f)}">${EXPORT_LABELS[f]}</a>`)}`
              : ''
          }</p>
${r.papers.length ? html`<ol class="papers">${cards}</ol>` : html`<p>No papers match.</p>`}
</section>`;
          return { value, bytes: value.value.length * 2 };
        };
        const member = req.user;
        if (member) {
          // A member's results carry their Save / Not interested state, and may be ranked for them.
          const r = await searchAnswers.answer('results', parsed, (x) => ({ value: x, bytes: 2000 * x.papers.length }));
          let shown = r.papers;
          let reasons: Map<string, string> | undefined;
          if (forYou && shown.length) {
            const ranked = await recommend.rank(
              member.id,
              shown.map((p) => p.paper.id),
            );
            const byId = new Map(shown.map((p) => [p.paper.id, p]));
            reasons = new Map(ranked.flatMap((x) => (x.reason ? [[x.id, x.reason] as const] : [])));
            shown = ranked.map((x) => byId.get(x.id)!);
          }
          const [signals, collections] = await Promise.all([
            recommend.signals.among(
              member.id,
              shown.map((p) => p.paper.id),
            ),
            recommend.collections.mine(member.id),
          ]);
          const buttons = (id: string) =>
            signalButtons(req, { paperId: id, saved: signals.saved.has(id), dismissed: signals.dismissed.has(id), back: req.url, collections });
          results = (await render({ ...r, papers: shown }, { reasons, buttons })).value;
        } else results = await searchAnswers.answer('page', parsed, (r) => render(r));
      } catch (e) {
        if (!(e instanceof SearchBusy)) throw e;
        reply.header('Retry-After', String(e.retryAfterSeconds));
        return send(
          503,
          html`<section class="error-page"><h1>Search is busy</h1><p>Many searches are running just now. Please try again in ${e.retryAfterSeconds} ${e.retryAfterSeconds === 1 ? 'second' : 'seconds'}.</p></section>`,
        );
      }
      return send(200, results);
    },
  );
}
