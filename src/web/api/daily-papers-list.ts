import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { feedVersion, listDailyPapers } from '../../feed/daily.js';
import { presentDailyPaper, thumbnailUrl } from './presenters.js';
import { DailyPapersQuery, parseDailyPapersQuery, type DailyPapersQuerystring } from './daily-papers-list.schema.js';
import { apiSchemaErrors, badRequest, DailyPaper, nextLinkHeader, type RouteDoc } from './schemas.js';

export const dailyPapersListSchema = {
  operationId: 'listDailyPapers',
  tags: ['feed'],
  summary: 'Papers of the daily feed',
  description:
    'Submitted papers, newest feed day first and, within a day, most upvoted first, then earliest submitted; or by trending score. Give at most one of `date`, `week`, `month`.',
  querystring: DailyPapersQuery,
  response: {
    200: Type.Array(Type.Ref(DailyPaper), { description: 'One page of feed items', headers: nextLinkHeader }),
    400: badRequest,
  },
} satisfies RouteDoc & Record<string, unknown>;

/** GET /api/daily_papers: the feed as JSON, in the hosted API's shape; Link rel="next" pages on. */
export function registerDailyPapersList(app: FastifyInstance, { config, database, pageCache: cache, thumbnails }: AppDeps) {
  // Typed by hand rather than by the type provider: the body is sent pre-encoded (a Buffer).
  app.get<{ Querystring: DailyPapersQuerystring }>(
    '/api/daily_papers',
    { schema: dailyPapersListSchema, ...apiSchemaErrors('daily_papers') },
    async (req, reply) => {
      const query = parseDailyPapersQuery(req.query);
      // The same for every caller: cached by URL (src/web/page-cache.ts).
      const { page, state } = await cache.serve(
        req.url,
        () => feedVersion(database),
        async () => {
          const list = await listDailyPapers(database, query);
          // THUMBNAILS: the drawn ones are linked; the rest are asked for (a worker draws them).
          const drawn = await thumbnails?.askFor(list.entries.map((e) => e.paper.id));
          const headers: Record<string, string> = {};
          if (list.hasMore) {
            // From the URL as sent, not req.query: the schema's defaults are filled in there.
            const next = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
            next.delete('p');
            next.set('p', String(list.page + 1));
            headers.Link = `<${config.baseUrl}/api/daily_papers?${next}>; rel="next"`;
          }
          return {
            contentType: 'application/json; charset=utf-8',
            body: Buffer.from(JSON.stringify(list.entries.map((e) => presentDailyPaper(e, thumbnailUrl(config.baseUrl, e.paper.id, drawn))))),
            headers,
          };
        },
      );
      return reply
        .headers(page.headers ?? {})
        .header('X-Cache', state)
        .type(page.contentType)
        .send(page.body);
    },
  );
}
