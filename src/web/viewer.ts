import type { FastifyRequest } from 'fastify';

/** Who is looking at a feed page: what the listing needs from the session, and nothing more. */
export interface Viewer {
  userId: number | null;
}

/** The signed-in member from the community session (src/web/session.ts), else anonymous. */
export function viewerOf(req: FastifyRequest): Viewer {
  return { userId: req.user?.id ?? null };
}
