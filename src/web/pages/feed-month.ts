import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { parseMonth, PeriodError } from '../../feed/period.js';
import { badRequestPage, sendFeedPage, type FeedPageQuery } from '../feed-page.js';

/** GET /papers/month/YYYY-MM: one calendar month, day by day. */
export function registerFeedMonth(app: FastifyInstance, deps: AppDeps) {
  app.get<{ Params: { month: string }; Querystring: FeedPageQuery }>('/papers/month/:month', async (req, reply) => {
    let period: ReturnType<typeof parseMonth>;
    try {
      period = parseMonth(req.params.month);
    } catch (e) {
      if (e instanceof PeriodError) return badRequestPage(reply, e.message);
      throw e;
    }
    return sendFeedPage(req, reply, deps, { period, path: `/papers/month/${period.key}` });
  });
}
