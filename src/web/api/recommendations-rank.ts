import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { bearerUser } from './bearer.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { MAX_RANK_IDS } from '../../recommend/service.js';
import { SignalError } from '../../recommend/signals.js';
import { RankedPaper } from './recommendations-list.js';
import { apiSchemaErrors, errorResponse, type RouteDoc } from './schemas.js';

// POST /api/recommendations/rank {"ids": [...]}: any papers of the instance ranked for the token's member.

const RankRequest = Type.Object(
  {
    ids: Type.Array(Type.String({ maxLength: 300 }), {
      maxItems: MAX_RANK_IDS,
      description: `arXiv ids (or arxiv.org URLs) of papers this instance has, at most ${MAX_RANK_IDS}`,
    }),
  },
  { additionalProperties: false },
);

export const recommendationsRankSchema = {
  operationId: 'rankPapers',
  tags: ['papers'],
  summary: 'Rank a list of papers for you',
  description:
    'The papers given, every one of them (also those the member liked or dismissed), best first for the member of the token, each with a score and a reason. Ids the instance does not have are refused by name.',
  security: [{ bearer: [] }],
  body: RankRequest,
  response: {
    200: Type.Object({ papers: Type.Array(RankedPaper) }, { description: '`{ papers }`, best first (without `paper`)' }),
    400: errorResponse(`Malformed body, more than ${MAX_RANK_IDS} ids, or ids of papers this instance does not have (the message names them)`),
    401: errorResponse('No valid API token'),
  },
} satisfies RouteDoc & Record<string, unknown>;

export function registerRecommendationsRank(app: FastifyInstance, deps: AppDeps) {
  const { community, recommend } = deps;
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .post('/api/recommendations/rank', { schema: recommendationsRankSchema, ...apiSchemaErrors('recommend') }, async (req, reply) => {
      const user = await bearerUser(req, reply, community);
      if (!user) return reply;
      // Ids as people write them (arXiv:..., versions, URLs); what parses not at all stays as given and is named unknown.
      const ids = req.body.ids.map((raw) => parseArxivId(raw)?.id ?? raw);
      try {
        // The titles come with the ranking (the recommender holds them): reading 1,000 whole papers again
        // for their titles was most of this request's time.
        const ranked = await recommend.rank(user.id, ids);
        return { papers: ranked.map((r) => ({ id: r.id, title: r.title, score: r.score, reason: r.reason })) };
      } catch (e) {
        if (e instanceof SignalError) return reply.code(400).send({ error: 'Bad Request', message: e.message });
        throw e;
      }
    });
}
