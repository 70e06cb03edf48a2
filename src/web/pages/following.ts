import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { html } from '../../util/html.js';
import { backPath, csrfField, page, requireUser } from '../session.js';
import { authorPath, paperCard } from '../components.js';
import { listedThumbnails } from '../listed-thumbnails.js';
import { badRequestPage } from '../feed-page.js';
import { ensureFormParser, field } from '../form-body.js';
import { FollowError, followLabel, type Follow } from '../../follow/follows.js';
import { parseWholeNumber } from '../../util/strict-input.js';

// GET /following: what the member's follows brought, newest first, each paper once, and what they
// follow (with Unfollow). POST /follows and /follows/delete: the Follow buttons (author, member,
// category and search pages, and the form here); a redirect back for a plain form, JSON for
// /static/community.js. Follows are private: only the member's own are read.

export const FOLLOWING_PAGE_SIZE = 50;
const MAX_FOLLOWING_PAGE = 40;

export const followingSchema = {
  querystring: Type.Object({ p: Type.Optional(Type.String({ description: 'page number, from 0' })) }),
};

/** Where a follow's own page is. */
export function followHref(f: Pick<Follow, 'kind' | 'value' | 'label'>): string {
  switch (f.kind) {
    case 'author':
      return authorPath(f.label);
    case 'member':
      return `/u/${encodeURIComponent(f.value)}`;
    case 'category':
      return `/papers/trending?category=${encodeURIComponent(f.value)}`;
    case 'search':
      return `/search?q=${encodeURIComponent(f.value)}`;
  }
}

function wantsJson(req: FastifyRequest): boolean {
  return String(req.headers.accept ?? '').includes('application/json');
}

const KIND_NAMES = { author: 'Authors', member: 'Members', category: 'Categories', search: 'Searches' } as const;

export function registerFollowing(app: FastifyInstance, deps: AppDeps) {
  const { follows } = deps;
  ensureFormParser(app);

  app.get<{ Querystring: { p?: string } }>('/following', { schema: followingSchema }, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const p = req.query.p === undefined ? 0 : parseWholeNumber(req.query.p);
    if (p === null || p > MAX_FOLLOWING_PAGE) return badRequestPage(reply, `Page "${String(req.query.p).slice(0, 20)}" is not a page number.`);
    const [mine, list] = await Promise.all([
      follows.list(user.id),
      follows.following(user.id, { offset: p * FOLLOWING_PAGE_SIZE, limit: FOLLOWING_PAGE_SIZE }),
    ]);
    const thumbnails = await listedThumbnails(
      deps,
      list.items.map((i) => i.paper.id),
    );
    const kinds = (['author', 'member', 'category', 'search'] as const).filter((k) => mine.some((f) => f.kind === k));
    const body = html`<section class="following">
<h1>Following</h1>
<p class="muted">New papers and submissions from the authors, members, categories and searches you follow, newest first. Private: only you see what you follow.</p>
${
  mine.length
    ? html`<div class="follow-list">${kinds.map(
        (k) =>
          html`<h2 class="small-heading">${KIND_NAMES[k]}</h2><ul class="follows">${mine
            .filter((f) => f.kind === k)
            .map(
              (f) => html`<li><a href="${followHref(f)}">${followLabel(f)}</a>
<form class="inline" method="post" action="/follows/delete">${csrfField(req)}<input type="hidden" name="kind" value="${f.kind}"><input type="hidden" name="value" value="${f.kind === 'author' ? f.label : f.value}"><input type="hidden" name="back" value="/following"><button type="submit" class="secondary unfollow" aria-label="Unfollow ${followLabel(f)}" title="Unfollow">Unfollow</button></form></li>`,
            )}</ul>`,
      )}</div>`
    : html`<p class="notice">You follow nothing yet. Follow an author from their page (click an author's name on any paper), a member from their profile, a category from its feed, or a search from its results.</p>`
}
<details class="follow-add"${mine.length ? '' : ' open'}><summary>Follow something by name</summary>
<form method="post" action="/follows" class="inline-form">${csrfField(req)}<input type="hidden" name="back" value="/following">
<label for="follow-kind">Follow</label> <select id="follow-kind" name="kind"><option value="author">an author</option><option value="member">a member</option><option value="category">a category</option><option value="search">a search</option></select>
<label for="follow-value" class="visually-hidden">Name, username, category or search words</label> <input id="follow-value" name="value" required maxlength="250" placeholder="J. R. R. Tolkien, cs.CL, diffusion models…">
<button type="submit">Follow</button></form>
</details>
${
  list.items.length
    ? html`<ol class="papers" start="${p * FOLLOWING_PAGE_SIZE + 1}">${list.items.map((i) =>
        paperCard(i.paper, {
          thumbnail: thumbnails.get(i.paper.id),
          note: html`<p class="reason">${i.submittedBy ? html`Submitted by <a href="/u/${encodeURIComponent(i.submittedBy)}">@${i.submittedBy}</a> · ` : ''}Following: ${i.via.join(', ')}</p>`,
        }),
      )}</ol>`
    : mine.length
      ? html`<p class="muted">Nothing new from what you follow yet.</p>`
      : ''
}
<nav class="pager" aria-label="Pages">
  ${p > 0 ? html`<a rel="prev" href="/following${p - 1 ? `?p=${p - 1}` : ''}">← Newer</a>` : html`<span></span>`}
  ${list.hasMore ? html`<a rel="next" href="/following?p=${p + 1}">Older →</a>` : ''}
</nav>
</section>`;
    reply.header('Cache-Control', 'private, no-store');
    return reply.type('text/html; charset=utf-8').send(page(req, { title: 'Following · Paperboy', body, scripts: ['community.js'] }));
  });

  const change = (on: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const back = backPath(field(req.body, 'back'), '/following');
    if (!req.user) {
      if (wantsJson(req))
        return reply.code(401).send({ error: 'Unauthorized', message: 'follow: sign in to follow', signin: `/signin?next=${encodeURIComponent(back)}` });
      return reply.redirect(`/signin?next=${encodeURIComponent(back)}`, 303);
    }
    const kind = field(req.body, 'kind') ?? '';
    const value = field(req.body, 'value') ?? '';
    try {
      if (on) await follows.follow(req.user.id, kind, value);
      else await follows.unfollow(req.user.id, kind, value);
    } catch (e) {
      if (!(e instanceof FollowError)) throw e;
      if (wantsJson(req)) return reply.code(e.status).send({ error: 'Bad Request', message: e.message });
      return badRequestPage(reply.code(e.status), e.message);
    }
    if (wantsJson(req)) return reply.send({ kind, value, following: on });
    return reply.redirect(back, 303);
  };
  const formSchema = {
    body: Type.Object({
      kind: Type.Optional(Type.String({ maxLength: 20 })),
      value: Type.Optional(Type.String({ maxLength: 500 })),
      back: Type.Optional(Type.String({ maxLength: 500 })),
      _csrf: Type.Optional(Type.String()),
    }),
  };
  app.post('/follows', { schema: formSchema }, change(true));
  app.post('/follows/delete', { schema: formSchema }, change(false));
}
