import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { bearerUser } from './bearer.js';
import { apiSchemaErrors, errorResponse, type RouteDoc } from './schemas.js';
import { FOLLOW_KINDS, FollowError, type Follow } from '../../follow/follows.js';

// GET / POST / DELETE /api/follows with an API token: what the token's member follows (private).

const Kind = Type.String({ description: 'author, member, category or search', examples: ['author'] });

export const FollowRequest = Type.Object(
  {
    kind: Kind,
    value: Type.String({
      description: 'an author name as written (J. R. R. Tolkien), a username, an arXiv category (cs.CL) or search words',
      maxLength: 500,
    }),
  },
  { additionalProperties: false },
);

const FollowBody = Type.Object({
  kind: Type.Union(
    FOLLOW_KINDS.map((k) => Type.Literal(k)),
    { description: 'author, member, category or search' },
  ),
  value: Type.String({ description: 'the username for a member, the category, the search words; an author name as first followed' }),
  label: Type.String({ description: 'as shown' }),
  createdAt: Type.String({ format: 'date-time' }),
});

const present = (f: Follow) => ({ kind: f.kind, value: f.kind === 'author' ? f.label : f.value, label: f.label, createdAt: f.createdAt });

export const followsListSchema = {
  operationId: 'listFollows',
  tags: ['community'],
  summary: 'What you follow (private)',
  security: [{ bearer: [] }],
  response: { 200: Type.Object({ follows: Type.Array(FollowBody) }, { description: '`{ follows }`: newest first' }), 401: errorResponse('No valid API token') },
} satisfies RouteDoc & Record<string, unknown>;

const changeSchema = (on: boolean) =>
  ({
    operationId: on ? 'follow' : 'unfollow',
    tags: ['community'],
    summary: on ? 'Follow an author name, a member (their submissions), a category or a search (idempotent; private)' : 'Stop following (idempotent)',
    security: [{ bearer: [] }],
    body: FollowRequest,
    response: {
      200: Type.Object(
        { kind: Kind, value: Type.String(), following: Type.Boolean() },
        { description: '`{ kind, value, following }`: whether you follow it now' },
      ),
      400: errorResponse('An unknown kind, an empty value, an unknown member or a malformed category'),
      401: errorResponse('No valid API token'),
    },
  }) satisfies RouteDoc & Record<string, unknown>;

export function registerApiFollows(app: FastifyInstance, deps: AppDeps) {
  const { community, follows } = deps;
  app.get('/api/follows', { schema: followsListSchema }, async (req, reply) => {
    const user = await bearerUser(req, reply, community);
    if (!user) return reply;
    return { follows: (await follows.list(user.id)).map(present) };
  });
  const change = (on: boolean) => async (req: FastifyRequest<{ Body: { kind: string; value: string } }>, reply: FastifyReply) => {
    const user = await bearerUser(req, reply, community);
    if (!user) return reply;
    try {
      if (on) await follows.follow(user.id, req.body.kind, req.body.value);
      else await follows.unfollow(user.id, req.body.kind, req.body.value);
    } catch (e) {
      if (e instanceof FollowError) return reply.code(e.status).send({ error: e.status === 409 ? 'Conflict' : 'Bad Request', message: e.message });
      throw e;
    }
    return { kind: req.body.kind, value: req.body.value, following: on };
  };
  app.post<{ Body: { kind: string; value: string } }>('/api/follows', { schema: changeSchema(true), ...apiSchemaErrors('follow') }, change(true));
  app.delete<{ Body: { kind: string; value: string } }>('/api/follows', { schema: changeSchema(false), ...apiSchemaErrors('follow') }, change(false));
}
