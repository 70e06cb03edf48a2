import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { parseDay, PeriodError } from '../../feed/period.js';
import { badRequestPage, sendFeedPage, type FeedPageQuery } from '../feed-page.js';

/** GET /papers/date/YYYY-MM-DD: one feed day, most upvoted first. */
export function registerFeedDay(app: FastifyInstance, deps: AppDeps) {
  app.get<{ Params: { day: string }; Querystring: FeedPageQuery }>('/papers/date/:day', async (req, reply) => {
    let period: ReturnType<typeof parseDay>;
    try {
      period = parseDay(req.params.day);
    } catch (e) {
      if (e instanceof PeriodError) return badRequestPage(reply, e.message);
      throw e;
    }
    return sendFeedPage(req, reply, deps, { period, path: `/papers/date/${period.key}` });
  });
}
