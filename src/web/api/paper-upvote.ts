import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { bearerUser } from './bearer.js';
import { presentVote } from './presenters.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { CommunityError } from '../../community/errors.js';
import { apiSchemaErrors, ArxivIdParams, errorResponse, Vote, type RouteDoc } from './schemas.js';

// POST /api/papers/:arxivId/upvote (idempotent) and DELETE for the un-vote, with an API token.

const params = Type.Object({ arxivId: Type.String({ ...ArxivIdParams.properties.arxivId, maxLength: 60 }) });
const responses = {
  200: Type.Ref(Vote, { description: 'The vote and the new count' }),
  400: errorResponse('Not an arXiv id'),
  401: errorResponse('No valid API token'),
  404: errorResponse('Unknown paper'),
};

export const apiUpvoteSchema = {
  operationId: 'upvotePaper',
  tags: ['community'],
  summary: 'Upvote a paper (idempotent)',
  security: [{ bearer: [] }],
  params,
  response: responses,
} satisfies RouteDoc & Record<string, unknown>;

export const apiUnvoteSchema = { ...apiUpvoteSchema, operationId: 'unvotePaper', summary: 'Take back an upvote (idempotent)' } satisfies RouteDoc &
  Record<string, unknown>;

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
  app.post<{ Params: { arxivId: string } }>('/api/papers/:arxivId/upvote', { schema: apiUpvoteSchema, ...apiSchemaErrors('community') }, (req, reply) =>
    handle(req, reply, true),
  );
  app.delete<{ Params: { arxivId: string } }>('/api/papers/:arxivId/upvote', { schema: apiUnvoteSchema, ...apiSchemaErrors('community') }, (req, reply) =>
    handle(req, reply, false),
  );
}
