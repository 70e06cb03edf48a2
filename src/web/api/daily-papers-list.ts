import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import { listDailyPapers } from '../../feed/daily.js';
import { presentDailyPaper } from './presenters.js';
import { dailyPapersQuerySchema, parseDailyPapersQuery, type DailyPapersQuerystring } from './daily-papers-list.schema.js';

/** GET /api/daily_papers: the feed as JSON, in the hosted API's shape; Link rel="next" pages on. */
export function registerDailyPapersList(app: FastifyInstance, { config, database }: AppDeps) {
  app.get<{ Querystring: DailyPapersQuerystring }>('/api/daily_papers', { schema: { querystring: dailyPapersQuerySchema } }, async (req, reply) => {
    const query = parseDailyPapersQuery(req.query);
    const page = await listDailyPapers(database, query);
    if (page.hasMore) {
      const next = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query)) if (v !== undefined && k !== 'p') next.set(k, String(v));
      next.set('p', String(page.page + 1));
      reply.header('Link', `<${config.baseUrl}/api/daily_papers?${next}>; rel="next"`);
    }
    return page.entries.map(presentDailyPaper);
  });
}
