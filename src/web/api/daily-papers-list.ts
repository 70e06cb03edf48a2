import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { feedVersion, listDailyPapers } from '../../feed/daily.js';
import { presentDailyPaper } from './presenters.js';
import { dailyPapersQuerySchema, parseDailyPapersQuery, type DailyPapersQuerystring } from './daily-papers-list.schema.js';

/** GET /api/daily_papers: the feed as JSON, in the hosted API's shape; Link rel="next" pages on. */
export function registerDailyPapersList(app: FastifyInstance, { config, database, pageCache: cache }: AppDeps) {
  app.get<{ Querystring: DailyPapersQuerystring }>('/api/daily_papers', { schema: { querystring: dailyPapersQuerySchema } }, async (req, reply) => {
    const query = parseDailyPapersQuery(req.query);
    // The same for every caller: cached by URL while the feed is unchanged.
    const version = await feedVersion(database);
    const hit = cache.get(req.url, version);
    if (hit) return reply.headers(hit.headers ?? {}).type(hit.contentType).send(hit.body);
    const page = await listDailyPapers(database, query);
    const headers: Record<string, string> = {};
    if (page.hasMore) {
      const next = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query)) if (v !== undefined && k !== 'p') next.set(k, String(v));
      next.set('p', String(page.page + 1));
      headers.Link = `<${config.baseUrl}/api/daily_papers?${next}>; rel="next"`;
    }
    const body = Buffer.from(JSON.stringify(page.entries.map(presentDailyPaper)));
    const contentType = 'application/json; charset=utf-8';
    cache.set(req.url, { version, at: Date.now(), contentType, body, headers });
    return reply.headers(headers).type(contentType).send(body);
  });
}
