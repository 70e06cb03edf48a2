import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import { html } from '../../util/html.js';
import { csrfField, page, requireUser } from '../session.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { paperPath } from '../components.js';
import { CommunityError } from '../../community/errors.js';
import { MAX_COMMENT_CHARS } from '../../community/comments.js';

// Comments from forms: POST /papers/:arxivId/comments (new or reply), GET/POST
// /comments/:id/edit, POST /comments/:id/delete, POST /comments/:id/hide and /unhide (curators).

export const commentCreateSchema = {
  params: { type: 'object', required: ['arxivId'], properties: { arxivId: { type: 'string', maxLength: 60 } } },
  body: {
    type: 'object',
    required: ['body'],
    properties: {
      body: { type: 'string', maxLength: MAX_COMMENT_CHARS + 200 },
      parent_id: { type: 'string', pattern: '^[0-9]{0,12}$' },
      _csrf: { type: 'string' },
    },
  },
} as const;

export const commentIdSchema = {
  params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9]{1,12}$' } } },
} as const;

export const commentEditSchema = {
  ...commentIdSchema,
  body: { type: 'object', required: ['body'], properties: { body: { type: 'string', maxLength: MAX_COMMENT_CHARS + 200 }, _csrf: { type: 'string' } } },
} as const;

function commentAnchor(paperId: string, commentId: number): string {
  return `${paperPath(paperId)}#comment-${commentId}`;
}

export function registerCommentWrite(app: FastifyInstance, deps: AppDeps) {
  const { community } = deps;
  const { comments } = community;

  app.post<{ Params: { arxivId: string }; Body: { body: string; parent_id?: string } }>(
    '/papers/:arxivId/comments',
    { schema: commentCreateSchema },
    async (req, reply) => {
      const user = requireUser(req, reply);
      if (!user) return reply;
      const ref = parseArxivId(req.params.arxivId);
      if (!ref) throw new CommunityError(404, 'not an arXiv id');
      const parent = req.body.parent_id ? Number(req.body.parent_id) : null;
      const c = await comments.add(user, ref.id, req.body.body, parent);
      return reply.redirect(commentAnchor(c.paperId, c.id), 303);
    },
  );

  const editPage = (req: FastifyRequest, reply: FastifyReply, id: number, body: string, paperId: string) =>
    reply.type('text/html; charset=utf-8').send(
      page(req, {
        title: 'Edit comment · Paperboy',
        body: html`<section class="narrow"><h1>Edit your comment</h1>
<form method="post" action="/comments/${id}/edit" class="stack">${csrfField(req)}
<label for="body">Comment</label>
<textarea id="body" name="body" rows="8" required maxlength="${MAX_COMMENT_CHARS}">${body}</textarea>
<p class="muted">*emphasis*, **strong**, \`code\`, [links](https://…); LaTeX stays as typed.</p>
<p><button type="submit">Save</button> <a href="${commentAnchor(paperId, id)}">Cancel</a></p>
</form></section>`,
      }),
    );

  app.get<{ Params: { id: string } }>('/comments/:id/edit', { schema: commentIdSchema }, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const c = await comments.get(Number(req.params.id));
    if (!c) throw new CommunityError(404, 'no such comment');
    if (c.author.id !== user.id) throw new CommunityError(403, 'you can edit only your own comments');
    return editPage(req, reply, c.id, c.body, c.paperId);
  });

  app.post<{ Params: { id: string }; Body: { body: string } }>('/comments/:id/edit', { schema: commentEditSchema }, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const c = await comments.edit(user, Number(req.params.id), req.body.body);
    return reply.redirect(commentAnchor(c.paperId, c.id), 303);
  });

  app.post<{ Params: { id: string } }>('/comments/:id/delete', { schema: commentIdSchema }, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const c = await comments.remove(user, Number(req.params.id));
    return reply.redirect(commentAnchor(c.paperId, c.id), 303);
  });

  for (const [action, hidden] of [
    ['hide', true],
    ['unhide', false],
  ] as const) {
    app.post<{ Params: { id: string } }>(`/comments/:id/${action}`, { schema: commentIdSchema }, async (req, reply) => {
      const user = requireUser(req, reply);
      if (!user) return reply;
      const c = await comments.setHidden(user, Number(req.params.id), hidden);
      return reply.redirect(commentAnchor(c.paperId, c.id), 303);
    });
  }
}
