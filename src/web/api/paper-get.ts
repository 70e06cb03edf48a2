import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { listDailyPapers } from '../../feed/daily.js';
import { presentPaper } from './presenters.js';

/** GET /api/papers/:arxivId (old-style ids too: /api/papers/hep-th/9901001): one paper with its feed data. */
export function registerPaperGet(app: FastifyInstance, { database, papers }: AppDeps) {
  const get = async (raw: string, reply: import('fastify').FastifyReply) => {
    const ref = parseArxivId(raw);
    if (!ref) return reply.code(404).send({ error: 'Not Found', message: `papers: "${raw.slice(0, 80)}" is not an arXiv id` });
    const paper = await papers.get(ref.id);
    if (!paper) return reply.code(404).send({ error: 'Not Found', message: `papers: ${ref.id} is not in this instance` });
    const { entries } = await listDailyPapers(database, { paperIds: [paper.id], limit: 1 });
    return presentPaper(paper, entries[0] ?? null);
  };
  app.get<{ Params: { arxivId: string } }>('/api/papers/:arxivId', (req, reply) => get(req.params.arxivId, reply));
  app.get<{ Params: { archive: string; number: string } }>('/api/papers/:archive/:number', (req, reply) => get(`${req.params.archive}/${req.params.number}`, reply));
}
