import type { FastifyRequest } from 'fastify';

/** Who is looking at a page: what feed pages need from the session, and nothing more. */
export interface Viewer {
  userId: number | null;
  /** the token for the `_csrf` field of state-changing forms; null when signed out */
  csrfToken: string | null;
}

/**
 * HOOK (community branch): read the signed-in user and their CSRF token from the session.
 * Until that lands everyone is anonymous, and upvote forms carry no token.
 */
export function viewerOf(_req: FastifyRequest): Viewer {
  return { userId: null, csrfToken: null };
}
