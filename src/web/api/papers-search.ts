import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { dailyEntriesOf } from '../../feed/daily.js';
import type { SearchHit } from '../../search/service.js';
import type { Database } from '../../storage/database.js';
import { parseSearchRequest, searchQuerySchema } from '../../search/request.js';
import { presentPaperItem, thumbnailUrl } from './presenters.js';
import type { Thumbnails } from '../../ingest/thumbnails.js';
import { badRequest, checkedInHandler, DailyPaper, errorResponse, type RouteDoc } from './schemas.js';
import { SearchBusy } from '../../search/answers.js';

/** Search hits as daily papers items (as the hosted API's search answers), each with its score. */
export async function presentHits(database: Database, hits: SearchHit[], shown?: { thumbnails: Thumbnails | null; baseUrl: string }) {
  const [entries, drawn] = await Promise.all([
    dailyEntriesOf(
      database,
      hits.filter((h) => h.featured).map((h) => h.paper.id),
    ),
    shown?.thumbnails?.drawn(hits.map((h) => h.paper.id)),
  ]);
  return hits.map((h) => ({
    ...presentPaperItem(h.paper, entries.get(h.paper.id) ?? null, thumbnailUrl(shown?.baseUrl ?? '', h.paper.id, drawn)),
    score: h.score,
  }));
}

export const SEARCH_API_LIMIT = 30;

export const papersSearchSchema = {
  operationId: 'searchPapers',
  tags: ['papers'],
  summary: 'Search every paper by words and meaning',
  description:
    "Hybrid search: bm25 over title, abstract and authors fused with the embedding model's nearest neighbours (lexical alone when there is no model or the query embedding is slow). An arXiv id or an exact title puts that paper first; a quoted phrase is honoured. The header `X-Search-Mode` says `hybrid` or `lexical`; `X-Search-Index: building` says the in-memory lexical index is still loading and the slower fallback (FTS5, tsvector) answered.",
  querystring: searchQuerySchema(SEARCH_API_LIMIT),
  response: {
    200: Type.Array(Type.Ref(DailyPaper), {
      description: 'Matching papers, best first, as daily feed items (feed fields empty for papers never featured) with a `score`',
      headers: {
        'X-Search-Mode': { type: 'string', description: '`hybrid` or `lexical`' },
        'X-Search-Index': { type: 'string', description: '`building` while the in-memory lexical index is loading and the fallback answers; absent otherwise' },
      },
    }),
    400: badRequest,
    503: errorResponse('Too many searches at once; `Retry-After` says when to try again'),
  },
} satisfies RouteDoc & Record<string, unknown>;

/**
 * GET /api/papers/search?q=&limit=&from=&to=&category=&featured=&sort=: a JSON array in the daily
 * papers shape, best first; the X-Search-Mode header says hybrid or lexical.
 */
export function registerPapersSearch(app: FastifyInstance, { searchAnswers, database, search, thumbnails, config }: AppDeps) {
  app.get<{ Querystring: Record<string, unknown> }>('/api/papers/search', { schema: papersSearchSchema, ...checkedInHandler }, async (req, reply) => {
    const parsed = parseSearchRequest(req.query, SEARCH_API_LIMIT);
    if ('error' in parsed) return reply.code(400).send({ error: 'Bad Request', message: parsed.error });
    if (!parsed.q) return reply.header('X-Search-Mode', 'lexical').send([]);
    if (search.lexicalIndexBuilding?.()) reply.header('X-Search-Index', 'building');
    try {
      // The body is serialised (by the route's schema) and encoded once, and kept so.
      const { mode, body } = await searchAnswers.answer('api', parsed, async (r) => {
        const encoded = Buffer.from(reply.serialize(await presentHits(database, r.papers, { thumbnails, baseUrl: config.baseUrl })) as string);
        return { value: { mode: r.mode, body: encoded }, bytes: encoded.length };
      });
      return reply.header('X-Search-Mode', mode).type('application/json; charset=utf-8').send(body);
    } catch (e) {
      if (!(e instanceof SearchBusy)) throw e;
      return reply.code(503).header('Retry-After', String(e.retryAfterSeconds)).send({ error: 'Service Unavailable', message: e.message });
    }
  });
}
