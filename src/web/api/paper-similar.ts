import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { AppDeps } from '../deps.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { parseWholeNumber } from '../../util/strict-input.js';
import { presentHits } from './papers-search.js';
import { ArxivIdParams, badRequest, checkedInHandler, DailyPaper, errorResponse, type RouteDoc } from './schemas.js';

const SimilarQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10, description: 'papers' })) });
const checkQuery = TypeCompiler.Compile(SimilarQuery);

export const paperSimilarSchema = {
  operationId: 'similarPapers',
  tags: ['papers'],
  summary: 'The papers nearest to one paper by its stored vector',
  params: ArxivIdParams,
  querystring: SimilarQuery,
  response: {
    200: Type.Object(
      { id: Type.String(), papers: Type.Array(Type.Ref(DailyPaper)) },
      { description: '`{ id, papers }`: papers as daily feed items with a `score`; empty while the paper has no vector' },
    ),
    400: badRequest,
    404: errorResponse('The paper is not in this instance'),
  },
} satisfies RouteDoc & Record<string, unknown>;

/** GET /api/papers/:arxivId/similar?limit=: nearest papers by stored vector. */
export function registerPaperSimilar(app: FastifyInstance, { search, papers, database, thumbnails, config }: AppDeps) {
  const handle = async (raw: string, limitRaw: string | undefined, reply: FastifyReply) => {
    const ref = parseArxivId(raw);
    if (!ref) return reply.code(400).send({ error: 'Bad Request', message: `search: "${raw.slice(0, 80)}" is not an arXiv id` });
    const limit = limitRaw === undefined ? 10 : parseWholeNumber(String(limitRaw));
    if (limit === null || !checkQuery.Check({ limit })) return reply.code(400).send({ error: 'Bad Request', message: 'search: limit must be 1 to 50' });
    if (!(await papers.get(ref.id))) return reply.code(404).send({ error: 'Not Found', message: `search: paper ${ref.id} is not here` });
    const r = await search.similar(ref.id, limit);
    return { id: ref.id, papers: await presentHits(database, r, { thumbnails, baseUrl: config.baseUrl }) };
  };
  app.get<{ Params: { arxivId: string }; Querystring: { limit?: string } }>(
    '/api/papers/:arxivId/similar',
    { schema: paperSimilarSchema, ...checkedInHandler },
    (req, reply) => handle(req.params.arxivId, req.query.limit, reply),
  );
  // Old-style ids (hep-th/9901001) take two path segments: the same operation, documented above.
  app.get<{ Params: { archive: string; number: string }; Querystring: { limit?: string } }>('/api/papers/:archive/:number/similar', (req, reply) =>
    handle(`${req.params.archive}/${req.params.number}`, req.query.limit, reply),
  );
}
