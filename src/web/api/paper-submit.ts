import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { bearerUser } from './bearer.js';
import { presentSubmission } from './presenters.js';
import { CommunityError } from '../../community/errors.js';
import { apiSchemaErrors, errorResponse, Submission, SubmitRequest, type RouteDoc } from './schemas.js';

// POST /api/papers/submit with a personal API token: the same rules as /submit, JSON in and out.

export const apiSubmitSchema = {
  operationId: 'submitPaper',
  tags: ['community'],
  summary: "Submit a paper to today's feed",
  description: 'The same rules as the /submit form: a paper is featured once, submissions close some days after arXiv publication, a daily cap per member.',
  security: [{ bearer: [] }],
  body: Type.Ref(SubmitRequest),
  response: {
    201: Type.Ref(Submission, { description: 'Submitted' }),
    400: errorResponse('Malformed input (e.g. not an arXiv id, a link that is not http(s))'),
    401: errorResponse('No valid API token'),
    404: errorResponse('The paper is not in this instance, and arXiv has no such paper'),
    409: errorResponse('Already featured'),
    422: errorResponse('Submissions for it are closed'),
    429: errorResponse('Daily cap or rate limit reached (Retry-After says when)'),
    503: errorResponse('arXiv could not be reached to fetch a paper this instance has not harvested yet (Retry-After says when to try again)'),
  },
} satisfies RouteDoc & Record<string, unknown>;

export function registerApiPaperSubmit(app: FastifyInstance, deps: AppDeps) {
  const { community } = deps;
  app.withTypeProvider<TypeBoxTypeProvider>().post('/api/papers/submit', { schema: apiSubmitSchema, ...apiSchemaErrors('community') }, async (req, reply) => {
    const user = await bearerUser(req, reply, community);
    if (!user) return reply;
    const d = await community.limits.submitPerUser.hit(`user:${user.id}`);
    if (!d.ok) {
      return reply
        .code(429)
        .header('Retry-After', String(d.retryAfterSeconds))
        .send({ error: 'Too Many Requests', message: `community: too many submission attempts; retry in ${d.retryAfterSeconds} s` });
    }
    try {
      const s = await community.submissions.submit(user, {
        paper: req.body.arxivId,
        comment: req.body.comment,
        githubRepo: req.body.githubRepo,
        projectPage: req.body.projectPage,
      });
      return reply.code(201).send(presentSubmission(s, user));
    } catch (e) {
      if (e instanceof CommunityError) {
        if (e.retryAfterSeconds) reply.header('Retry-After', String(e.retryAfterSeconds));
        const error = e.status === 429 ? 'Too Many Requests' : e.status === 503 ? 'Service Unavailable' : 'Rejected';
        return reply.code(e.status as 400).send({ error, message: e.message });
      }
      throw e;
    }
  });
}
