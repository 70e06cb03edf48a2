import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import { bearerUser } from './bearer.js';
import { presentVote } from './presenters.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { CommunityError } from '../../community/errors.js';

// POST /api/papers/:arxivId/upvote (idempotent) and DELETE for the un-vote, with an API token.

export const apiUpvoteSchema = {
  params: { type: 'object', required: ['arxivId'], properties: { arxivId: { type: 'string', maxLength: 60 } } },
} as const;

export function registerApiPaperUpvote(app: FastifyInstance, deps: AppDeps) {
  const { community } = deps;
  const handle = async (req: FastifyRequest<{ Params: { arxivId: string } }>, reply: FastifyReply, add: boolean) => {
    const user = await bearerUser(req, reply, community);
    if (!user) return reply;
    const ref = parseArxivId(req.params.arxivId);
    if (!ref) return reply.code(400).send({ error: 'Bad Request', message: `community: "${req.params.arxivId.slice(0, 60)}" is not an arXiv id` });
    try {
      const v = add ? await community.votes.upvote(user.id, ref.id) : await community.votes.unvote(user.id, ref.id);
      return reply.send(presentVote(v));
    } catch (e) {
      if (e instanceof CommunityError) return reply.code(e.status).send({ error: 'Not Found', message: e.message });
      throw e;
    }
  };
  app.post<{ Params: { arxivId: string } }>('/api/papers/:arxivId/upvote', { schema: apiUpvoteSchema }, (req, reply) => handle(req, reply, true));
  app.delete<{ Params: { arxivId: string } }>('/api/papers/:arxivId/upvote', { schema: apiUpvoteSchema }, (req, reply) => handle(req, reply, false));
}
