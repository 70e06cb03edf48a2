import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import { dailyEntriesOf } from '../../feed/daily.js';
import type { SearchHit } from '../../search/service.js';
import type { Database } from '../../storage/database.js';
import { parseSearchRequest } from '../../search/request.js';
import { presentPaperItem } from './presenters.js';

/** Search hits as daily papers items (as the hosted API's search answers), each with its score. */
export async function presentHits(database: Database, hits: SearchHit[]) {
  const entries = await dailyEntriesOf(database, hits.filter((h) => h.featured).map((h) => h.paper.id));
  return hits.map((h) => ({ ...presentPaperItem(h.paper, entries.get(h.paper.id) ?? null), score: h.score }));
}

/**
 * GET /api/papers/search?q=&limit=&from=&to=&category=&featured=&sort=: a JSON array in the daily
 * papers shape, best first; the X-Search-Mode header says hybrid or lexical.
 */
export function registerPapersSearch(app: FastifyInstance, { search, database }: AppDeps) {
  app.get<{ Querystring: Record<string, unknown> }>('/api/papers/search', async (req, reply) => {
    const parsed = parseSearchRequest(req.query, 30);
    if ('error' in parsed) return reply.code(400).send({ error: 'Bad Request', message: parsed.error });
    if (!parsed.q) return reply.header('X-Search-Mode', 'lexical').send([]);
    const r = await search.search(parsed);
    return reply.header('X-Search-Mode', r.mode).send(await presentHits(database, r.papers));
  });
}
