import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Community } from '../../community/community.js';
import type { User } from '../../community/accounts.js';

/**
 * The member behind `Authorization: Bearer <token>`, or null after answering 401 in JSON.
 * The API never looks at cookies, which is why it needs no CSRF token.
 */
export async function bearerUser(req: FastifyRequest, reply: FastifyReply, community: Community): Promise<User | null> {
  const m = /^Bearer\s+(\S{10,200})$/i.exec(String(req.headers.authorization ?? ''));
  const user = m ? await community.accounts.apiTokenUser(m[1]) : null;
  if (!user) {
    reply
      .code(401)
      .header('WWW-Authenticate', 'Bearer realm="paperboy"')
      .send({
        error: 'Unauthorized',
        message: m
          ? 'community: this API token is not valid (revoked or mistyped)'
          : 'community: send a personal API token as Authorization: Bearer <token>; create one on your profile page',
      });
    return null;
  }
  return user;
}
