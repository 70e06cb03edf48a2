import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import { backPath } from '../session.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { paperPath } from '../components.js';
import { CommunityError } from '../../community/errors.js';

// POST /papers/:arxivId/upvote and /unvote from the upvote form. Idempotent per member. A form
// post is answered with a redirect back; /static/community.js asks for JSON instead
// (Accept: application/json) and updates the count in place.

export const voteSchema = {
  params: { type: 'object', required: ['arxivId'], properties: { arxivId: { type: 'string', maxLength: 60 } } },
} as const;

function wantsJson(req: FastifyRequest): boolean {
  return String(req.headers.accept ?? '').includes('application/json');
}

export function registerPaperUpvote(app: FastifyInstance, deps: AppDeps) {
  const { community } = deps;
  const handle = async (req: FastifyRequest<{ Params: { arxivId: string }; Body?: { back?: string } }>, reply: FastifyReply, add: boolean) => {
    const ref = parseArxivId(req.params.arxivId);
    if (!ref) throw new CommunityError(404, `"${req.params.arxivId.slice(0, 60)}" is not an arXiv id`);
    const back = backPath(req.body?.back, paperPath(ref.id));
    if (!req.user) {
      if (wantsJson(req))
        return reply.code(401).send({ error: 'Unauthorized', message: 'community: sign in to upvote', signin: `/signin?next=${encodeURIComponent(back)}` });
      return reply.redirect(`/signin?next=${encodeURIComponent(back)}`, 303);
    }
    const result = add ? await community.votes.upvote(req.user.id, ref.id) : await community.votes.unvote(req.user.id, ref.id);
    if (wantsJson(req)) return reply.send(result);
    return reply.redirect(back, 303);
  };
  app.post<{ Params: { arxivId: string }; Body?: { back?: string } }>('/papers/:arxivId/upvote', { schema: voteSchema }, (req, reply) =>
    handle(req, reply, true),
  );
  app.post<{ Params: { arxivId: string }; Body?: { back?: string } }>('/papers/:arxivId/unvote', { schema: voteSchema }, (req, reply) =>
    handle(req, reply, false),
  );
}
