import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { latestFeedDay } from '../../feed/daily.js';
import { parseDay } from '../../feed/period.js';
import { sendFeedPage, type FeedPageQuery } from '../feed-page.js';

/** GET /: the latest feed day that has submissions (the same listing as its /papers/date/ page). */
export function registerFeedHome(app: FastifyInstance, deps: AppDeps) {
  app.get<{ Querystring: FeedPageQuery }>('/', (req, reply) =>
    sendFeedPage(req, reply, deps, async () => {
      const day = await latestFeedDay(deps.database);
      if (!day) return { period: null, path: '/' };
      const path = `/papers/date/${day}`;
      return { period: parseDay(day), path, canonical: path };
    }),
  );
}
