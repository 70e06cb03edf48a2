import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { githubStarsOf, listDailyPapers } from '../../feed/daily.js';
import { presentPaper } from './presenters.js';
import { ArxivIdParams, errorResponse, Paper, type RouteDoc } from './schemas.js';

export const paperGetSchema = {
  operationId: 'getPaper',
  tags: ['papers'],
  summary: 'One paper, with its upvotes and submitter when it was featured',
  params: ArxivIdParams,
  response: {
    200: Type.Ref(Paper, { description: 'The paper' }),
    404: errorResponse('Not an arXiv id, or arXiv has no such paper'),
    503: errorResponse('arXiv could not be reached to fetch a paper not stored yet (Retry-After says when to try again)'),
  },
} satisfies RouteDoc & Record<string, unknown>;

/** GET /api/papers/:arxivId (old-style ids too: /api/papers/hep-th/9901001): one paper with its feed data. */
export function registerPaperGet(app: FastifyInstance, { database, onDemand }: AppDeps) {
  const get = async (raw: string, reply: FastifyReply) => {
    const ref = parseArxivId(raw);
    if (!ref) return reply.code(404).send({ error: 'Not Found', message: `papers: "${raw.slice(0, 80)}" is not an arXiv id` });
    // Stored, or fetched from arXiv now (any arXiv id on demand).
    const found = await onDemand.get(ref.id);
    if ('unavailable' in found) {
      return reply
        .code(503)
        .header('Retry-After', String(found.retryAfterS))
        .send({ error: 'Service Unavailable', message: `papers: arXiv could not be reached to fetch ${ref.id}; try again in a minute` });
    }
    if ('missing' in found) return reply.code(404).send({ error: 'Not Found', message: `papers: arXiv has no paper ${ref.id}` });
    const { paper } = found;
    const { entries } = await listDailyPapers(database, { paperIds: [paper.id], limit: 1 });
    // A paper never featured has no feed entry to carry its repository's stars: read them here.
    const entry = entries[0] ?? null;
    return presentPaper(paper, entry, entry ? null : await githubStarsOf(database, paper.githubRepo));
  };
  app.get<{ Params: { arxivId: string } }>('/api/papers/:arxivId', { schema: paperGetSchema }, (req, reply) => get(req.params.arxivId, reply));
  // Old-style ids (hep-th/9901001) take two path segments: the same operation, documented above.
  app.get<{ Params: { archive: string; number: string } }>('/api/papers/:archive/:number', (req, reply) =>
    get(`${req.params.archive}/${req.params.number}`, reply),
  );
}
