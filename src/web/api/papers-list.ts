import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { dailyEntriesOf } from '../../feed/daily.js';
import { presentPaper } from './presenters.js';
import { DEFAULT_PAPERS_LIMIT, decodeCursor, encodeCursor, PapersListQuery } from './papers-list.schema.js';
import { apiSchemaErrors, badRequest, nextLinkHeader, Paper, type RouteDoc } from './schemas.js';

export const papersListSchema = {
  operationId: 'listPapers',
  tags: ['papers'],
  summary: 'Every paper in the instance, newest first',
  description: 'Follow the `Link: rel="next"` header (it carries the cursor) to read on.',
  querystring: PapersListQuery,
  response: {
    200: Type.Array(Type.Ref(Paper), { description: 'One page of papers', headers: nextLinkHeader }),
    400: badRequest,
  },
} satisfies RouteDoc & Record<string, unknown>;

/** GET /api/papers: every paper in the instance, newest first, by keyset cursor (Link rel="next"). */
export function registerPapersList(app: FastifyInstance, { config, database, papers }: AppDeps) {
  app.withTypeProvider<TypeBoxTypeProvider>().get('/api/papers', { schema: papersListSchema, ...apiSchemaErrors('papers') }, async (req, reply) => {
    const limit = req.query.limit ?? DEFAULT_PAPERS_LIMIT;
    const before = req.query.cursor ? decodeCursor(req.query.cursor) : undefined;
    // One extra row says whether another page exists.
    const hasCode = req.query.hasCode === 1;
    const list = await papers.listNewest({ limit: limit + 1, before, hasCode });
    const shown = list.slice(0, limit);
    const byId = await dailyEntriesOf(
      database,
      shown.map((p) => p.id),
    );
    if (list.length > limit) {
      const last = shown[shown.length - 1];
      const next = new URLSearchParams({
        cursor: encodeCursor({ publishedAt: last.publishedAt, id: last.id }),
        limit: String(limit),
        ...(hasCode ? { hasCode: '1' } : {}),
      });
      reply.header('Link', `<${config.baseUrl}/api/papers?${next}>; rel="next"`);
    }
    return shown.map((p) => presentPaper(p, byId.get(p.id) ?? null));
  });
}
