import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { parseWeek, PeriodError } from '../../feed/period.js';
import { badRequestPage, sendFeedPage, type FeedPageQuery } from '../feed-page.js';

/** GET /papers/week/YYYY-Www: one ISO week (Monday to Sunday), day by day. */
export function registerFeedWeek(app: FastifyInstance, deps: AppDeps) {
  app.get<{ Params: { week: string }; Querystring: FeedPageQuery }>('/papers/week/:week', async (req, reply) => {
    let period: ReturnType<typeof parseWeek>;
    try {
      period = parseWeek(req.params.week);
    } catch (e) {
      if (e instanceof PeriodError) return badRequestPage(reply, e.message);
      throw e;
    }
    return sendFeedPage(req, reply, deps, { period, path: `/papers/week/${period.key}` });
  });
}
