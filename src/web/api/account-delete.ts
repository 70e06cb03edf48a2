import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { bearerUser } from './bearer.js';
import { apiSchemaErrors, errorResponse, type RouteDoc } from './schemas.js';
import { deleteAccount } from '../../community/account-delete.js';

// DELETE /api/account with an API token: deletes the token's member and all their private data, as
// "Delete my account" does (src/community/account-delete.ts); the body names the username to confirm.

export const accountDeleteSchema = {
  operationId: 'deleteAccount',
  tags: ['community'],
  summary: 'Delete your account and all your data (irreversible)',
  description:
    'Deletes the member of the token: saves, dismissals, imports, collections, follows, upvotes, comments (replies of others stay), API tokens, sessions and the digest subscription of their address. Submitted papers stay without a submitter. `confirm` must be the username.',
  security: [{ bearer: [] }],
  body: Type.Object({ confirm: Type.String({ description: 'your username, to confirm', maxLength: 100, examples: ['ada'] }) }, { additionalProperties: false }),
  response: {
    200: Type.Object({ deleted: Type.String({ description: 'the username deleted' }) }, { description: '`{ deleted }`' }),
    400: errorResponse('`confirm` is not the username of the token'),
    401: errorResponse('No valid API token'),
  },
} satisfies RouteDoc & Record<string, unknown>;

export function registerApiAccountDelete(app: FastifyInstance, deps: AppDeps) {
  app.delete<{ Body: { confirm: string } }>('/api/account', { schema: accountDeleteSchema, ...apiSchemaErrors('community') }, async (req, reply) => {
    const user = await bearerUser(req, reply, deps.community);
    if (!user) return reply;
    if (req.body.confirm.trim() !== user.username)
      return reply.code(400).send({ error: 'Bad Request', message: `community: confirm with your username (${user.username}); nothing was deleted` });
    await deleteAccount(deps.database, user.id);
    deps.recommend.forget(user.id);
    return { deleted: user.username };
  });
}
