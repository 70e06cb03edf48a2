import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppDeps } from '../deps.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { presentHits } from './papers-search.js';

/** GET /api/papers/:arxivId/similar?limit=: nearest papers by stored vector. */
export function registerPaperSimilar(app: FastifyInstance, { search, papers, database }: AppDeps) {
  const handle = async (raw: string, limitRaw: string | undefined, reply: FastifyReply) => {
    const ref = parseArxivId(raw);
    if (!ref) return reply.code(400).send({ error: 'Bad Request', message: `search: "${raw.slice(0, 80)}" is not an arXiv id` });
    const limit = limitRaw === undefined ? 10 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) return reply.code(400).send({ error: 'Bad Request', message: 'search: limit must be 1 to 50' });
    if (!(await papers.get(ref.id))) return reply.code(404).send({ error: 'Not Found', message: `search: paper ${ref.id} is not here` });
    const r = await search.similar(ref.id, limit);
    return { id: ref.id, papers: await presentHits(database, r) };
  };
  app.get<{ Params: { arxivId: string }; Querystring: { limit?: string } }>('/api/papers/:arxivId/similar', (req, reply) =>
    handle(req.params.arxivId, req.query.limit, reply),
  );
  app.get<{ Params: { archive: string; number: string }; Querystring: { limit?: string } }>('/api/papers/:archive/:number/similar', (req, reply) =>
    handle(`${req.params.archive}/${req.params.number}`, req.query.limit, reply),
  );
}
