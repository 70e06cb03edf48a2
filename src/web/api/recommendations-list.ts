import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { bearerUser } from './bearer.js';
import { presentPaper } from './presenters.js';
import { isCalendarDay, parseWholeNumber } from '../../util/strict-input.js';
import { badRequest, checkedInHandler, errorResponse, Paper, type RouteDoc } from './schemas.js';

// GET /api/recommendations?limit=: the newest announcement day's papers ranked for the token's member.

/** One ranked paper: what the API's For-you answers carry. */
export const RankedPaper = Type.Object({
  id: Type.String({ description: 'arXiv id' }),
  title: Type.String({ description: 'title' }),
  score: Type.Number({ description: 'higher is better; standardised over the list ranked (0 for a member with no signals yet)' }),
  reason: Type.Union([Type.String(), Type.Null()], {
    description: 'why: like "Title" you saved, or, when no liked paper is close, your words: "w1", "w2" (the words that drove its score); null when neither',
  }),
  paper: Type.Optional(Type.Ref(Paper)),
});

const RecommendationsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'papers (at most 1,000)' })),
  day: Type.Optional(Type.String({ format: 'date', description: 'an earlier announcement day, YYYY-MM-DD (default: the newest)' })),
});

export const recommendationsListSchema = {
  operationId: 'listRecommendations',
  tags: ['papers'],
  summary: "The newest announcement day's papers, ranked for you",
  description:
    'Every paper published on the newest announcement day (feed day in FEED_TIMEZONE), harvested or submitted, best first for the member of the token, with a score and a reason; papers they saved, upvoted, imported or dismissed are left out. `cold` is true while the member has no signals yet (save, upvote or import papers).',
  security: [{ bearer: [] }],
  querystring: RecommendationsQuery,
  response: {
    200: Type.Object(
      {
        day: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'the announcement day ranked; null when there are no papers' }),
        previous: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'the announcement day before it' }),
        cold: Type.Boolean({ description: 'no signals yet: the papers come unranked' }),
        total: Type.Integer({ description: 'papers of the day ranked' }),
        papers: Type.Array(RankedPaper),
      },
      { description: '`{ day, previous, cold, total, papers }`, best first' },
    ),
    400: badRequest,
    401: errorResponse('No valid API token'),
  },
} satisfies RouteDoc & Record<string, unknown>;

export function registerRecommendationsList(app: FastifyInstance, deps: AppDeps) {
  const { community, recommend } = deps;
  app.get<{ Querystring: { limit?: string; day?: string } }>(
    '/api/recommendations',
    { schema: recommendationsListSchema, ...checkedInHandler },
    async (req, reply) => {
      const user = await bearerUser(req, reply, community);
      if (!user) return reply;
      const limit = req.query.limit === undefined ? 50 : parseWholeNumber(String(req.query.limit));
      if (limit === null || limit < 1 || limit > 1000) return reply.code(400).send({ error: 'Bad Request', message: 'recommend: limit must be 1 to 1000' });
      const day = req.query.day;
      if (day !== undefined && (typeof day !== 'string' || !isCalendarDay(day)))
        return reply.code(400).send({ error: 'Bad Request', message: 'recommend: day must be a calendar day, YYYY-MM-DD' });
      const page = await recommend.forYou(user.id, { day, offset: 0, limit });
      return {
        day: page.day,
        previous: page.previous,
        cold: page.cold,
        total: page.total,
        papers: page.items.map((r) => ({ id: r.id, title: r.paper.title, score: r.score, reason: r.reason, paper: presentPaper(r.paper, null) })),
      };
    },
  );
}
