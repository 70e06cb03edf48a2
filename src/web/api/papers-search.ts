import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import { parseSearchQuery } from './search-schema.js';
import { presentPaper } from './paper-presenter.js';

/** GET /api/papers/search?q=&limit=&from=&to=&category=&sort= */
export function registerPapersSearch(app: FastifyInstance, { search }: AppDeps) {
  app.get<{ Querystring: Record<string, unknown> }>('/api/papers/search', async (req, reply) => {
    const parsed = parseSearchQuery(req.query, 30);
    if ('error' in parsed) return reply.code(400).send({ error: 'Bad Request', message: parsed.error });
    if (!parsed.q) return { query: '', mode: 'lexical', papers: [] };
    const r = await search.search(parsed);
    return { query: parsed.q, mode: r.mode, papers: r.papers.map((x) => presentPaper(x.paper, { score: x.score })) };
  });
}
