import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { html } from '../../util/html.js';
import { csrfField, page, requireUser } from '../session.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { paperPath } from '../components.js';
import { CommunityError } from '../../community/errors.js';
import { isCurator } from '../../community/accounts.js';

// POST /papers/:arxivId/claims (a member claims an author slot), GET /claims (the curators'
// queue), POST /claims/:id/approve and /reject.

export const claimSchema = {
  params: { type: 'object', required: ['arxivId'], properties: { arxivId: { type: 'string', maxLength: 60 } } },
  body: { type: 'object', required: ['author_index'], properties: { author_index: { type: 'string', pattern: '^[0-9]{1,4}$' }, _csrf: { type: 'string' } } },
} as const;

export const claimDecideSchema = {
  params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9]{1,12}$' } } },
} as const;

export function registerClaimWrite(app: FastifyInstance, deps: AppDeps) {
  const { community } = deps;

  app.post<{ Params: { arxivId: string }; Body: { author_index: string } }>('/papers/:arxivId/claims', { schema: claimSchema }, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const ref = parseArxivId(req.params.arxivId);
    if (!ref) throw new CommunityError(404, 'not an arXiv id');
    await community.claims.claim(user, ref.id, Number(req.body.author_index));
    return reply.redirect(`${paperPath(ref.id)}#authors`, 303);
  });

  app.get('/claims', async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    if (!isCurator(user)) throw new CommunityError(403, 'only curators review author claims');
    const pending = await community.claims.pending();
    const body = html`<h1>Author claims waiting for review</h1>
${
  pending.length
    ? html`<ul class="claims">${pending.map(
        (
          c,
        ) => html`<li><a href="/u/${c.user.username}">${c.user.username}</a> claims to be <strong>${c.authorName}</strong> on <a href="${paperPath(c.paperId)}">arXiv:${c.paperId}</a>
<form class="inline" method="post" action="/claims/${c.id}/approve">${csrfField(req)}<button type="submit">Approve</button></form>
<form class="inline" method="post" action="/claims/${c.id}/reject">${csrfField(req)}<button type="submit" class="secondary">Reject</button></form></li>`,
      )}</ul>`
    : html`<p class="muted">No claims are waiting.</p>`
}`;
    return reply.type('text/html; charset=utf-8').send(page(req, { title: 'Author claims · Paperboy', body }));
  });

  for (const [action, approve] of [
    ['approve', true],
    ['reject', false],
  ] as const) {
    app.post<{ Params: { id: string } }>(`/claims/:id/${action}`, { schema: claimDecideSchema }, async (req, reply) => {
      const user = requireUser(req, reply);
      if (!user) return reply;
      await community.claims.decide(user, Number(req.params.id), approve);
      return reply.redirect('/claims', 303);
    });
  }
}
