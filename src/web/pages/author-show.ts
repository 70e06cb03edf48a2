import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { html } from '../../util/html.js';
import { page } from '../session.js';
import { authorPath, paperCard } from '../components.js';
import { listedThumbnails } from '../listed-thumbnails.js';
import { followButton } from '../community-components.js';
import { feedAnchors, feedLinks } from '../feeds/paper-feed.js';
import { badRequestPage } from '../feed-page.js';
import { authorKey, MAX_AUTHOR_NAME } from '../../follow/author-name.js';
import { parseWholeNumber } from '../../util/strict-input.js';

/** Papers per author page. */
export const AUTHOR_PAGE_SIZE = 50;
const MAX_AUTHOR_PAGE = 1000;

export const authorShowSchema = {
  params: Type.Object({ name: Type.String() }),
  querystring: Type.Object({ p: Type.Optional(Type.String({ description: 'page number, from 0' })) }),
};

/**
 * GET /authors/:name: the papers of an author name, newest first, paged; every way of writing the
 * name that has the same key (src/follow/author-name.ts) is the same author. The members who
 * claimed the name are linked; Follow, and the name's feeds.
 */
export function registerAuthorShow(app: FastifyInstance, deps: AppDeps) {
  const { authors, follows } = deps;
  app.get<{ Params: { name: string }; Querystring: { p?: string } }>('/authors/:name', { schema: authorShowSchema }, async (req, reply) => {
    const name = req.params.name.replace(/\s+/g, ' ').trim();
    const key = authorKey(name);
    if (!key || name.length > MAX_AUTHOR_NAME) return badRequestPage(reply, `"${name.slice(0, 60)}" is not an author name.`);
    const p = req.query.p === undefined ? 0 : parseWholeNumber(req.query.p);
    if (p === null || p === undefined || p > MAX_AUTHOR_PAGE) return badRequestPage(reply, `Page "${String(req.query.p).slice(0, 20)}" is not a page number.`);
    const current = await authors.freshen();
    const [list, claimed, following] = await Promise.all([
      authors.papers(key, { offset: p * AUTHOR_PAGE_SIZE, limit: AUTHOR_PAGE_SIZE }),
      authors.claimedBy(key),
      req.user ? follows.isFollowing(req.user.id, 'author', name) : false,
    ]);
    // The spellings of this name on the listed papers: the most frequent is the heading.
    const spellings = new Map<string, number>();
    for (const paper of list.papers) for (const a of paper.authors) if (authorKey(a) === key) spellings.set(a, (spellings.get(a) ?? 0) + 1);
    // Ties go to a spelling in mixed case ("Ada Lovelace" before "ADA LOVELACE").
    const mixed = (s: string) => (s !== s.toUpperCase() && s !== s.toLowerCase() ? 1 : 0);
    const ranked = [...spellings.entries()].sort((a, b) => b[1] - a[1] || mixed(b[0]) - mixed(a[0]) || a[0].localeCompare(b[0])).map(([s]) => s);
    const shown = ranked[0] ?? name;
    const thumbnails = await listedThumbnails(
      deps,
      list.papers.map((x) => x.id),
    );
    const path = authorPath(name);
    const pageHref = (n: number) => (n ? `${path}?p=${n}` : path);
    const body = html`<section class="author-page">
<div class="page-head">
  <div><h1>${shown}</h1>
  <p class="muted">${list.papers.length || p ? '' : 'No papers by this name here yet. '}${ranked.length > 1 ? html`Also written ${ranked.slice(1, 6).map((s, i) => html`${i ? ', ' : ''}“${s}”`)}. ` : ''}${
    claimed.length
      ? html`Claimed by ${claimed.map((c, i) => html`${i ? ', ' : ''}<a href="/u/${encodeURIComponent(c.username)}">${c.displayName ?? c.username}</a>`)}.`
      : ''
  }</p></div>
  <div class="actions">${followButton(req, { kind: 'author', value: shown, label: shown, following, back: path })} ${feedAnchors(`${path}/feed.xml`)}</div>
</div>
${current ? '' : html`<p class="notice">The author index is still being built after an import: some papers may be missing for a few minutes.</p>`}
${list.papers.length ? html`<ol class="papers" start="${p * AUTHOR_PAGE_SIZE + 1}">${list.papers.map((x) => paperCard(x, { thumbnail: thumbnails.get(x.id) }))}</ol>` : ''}
<nav class="pager" aria-label="Pages">
  ${p > 0 ? html`<a rel="prev" href="${pageHref(p - 1)}">← Newer papers</a>` : html`<span></span>`}
  ${list.hasMore ? html`<a rel="next" href="${pageHref(p + 1)}">Older papers →</a>` : ''}
</nav>
</section>`;
    return reply.type('text/html; charset=utf-8').send(
      page(req, {
        title: `${shown} · Authors · Paperboy`,
        description: `Papers by ${shown}`,
        body,
        head: feedLinks(`${path}/feed.xml`, `Papers by ${shown}`),
        scripts: ['community.js'],
      }),
    );
  });
}
