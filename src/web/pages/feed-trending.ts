import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { sendFeedPage, type FeedPageQuery } from '../feed-page.js';

/** GET /papers/trending: every feed day, by stored hotness (src/feed/hotness.ts); /papers/trending/code: by GitHub stars gained. */
export function registerFeedTrending(app: FastifyInstance, deps: AppDeps) {
  app.get<{ Querystring: FeedPageQuery }>('/papers/trending', (req, reply) => sendFeedPage(req, reply, deps, { period: null, path: '/papers/trending' }));
  // Trending by code: featured papers with a repository, by GitHub stars gained in the last 7 days.
  app.get<{ Querystring: FeedPageQuery }>('/papers/trending/code', (req, reply) =>
    sendFeedPage(req, reply, deps, { period: null, path: '/papers/trending/code', code: true }),
  );
}
