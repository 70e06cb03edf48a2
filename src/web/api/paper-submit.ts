import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { bearerUser } from './bearer.js';
import { presentSubmission } from './presenters.js';
import { CommunityError } from '../../community/errors.js';

// POST /api/papers/submit with a personal API token: the same rules as /submit, JSON in and out.

export const apiSubmitSchema = {
  body: {
    type: 'object',
    required: ['arxivId'],
    additionalProperties: false,
    properties: {
      arxivId: { type: 'string', minLength: 1, maxLength: 300 },
      comment: { type: 'string', maxLength: 2000 },
      githubRepo: { type: 'string', maxLength: 500 },
      projectPage: { type: 'string', maxLength: 500 },
    },
  },
} as const;

type Body = { arxivId: string; comment?: string; githubRepo?: string; projectPage?: string };

export function registerApiPaperSubmit(app: FastifyInstance, deps: AppDeps) {
  const { community } = deps;
  app.post<{ Body: Body }>('/api/papers/submit', { schema: apiSubmitSchema }, async (req, reply) => {
    const user = await bearerUser(req, reply, community);
    if (!user) return reply;
    const d = await community.limits.submitPerUser.hit(`user:${user.id}`);
    if (!d.ok) {
      return reply.code(429).header('Retry-After', String(d.retryAfterSeconds)).send({ error: 'Too Many Requests', message: `community: too many submission attempts; retry in ${d.retryAfterSeconds} s` });
    }
    try {
      const s = await community.submissions.submit(user, { paper: req.body.arxivId, comment: req.body.comment, githubRepo: req.body.githubRepo, projectPage: req.body.projectPage });
      return reply.code(201).send(presentSubmission(s, user));
    } catch (e) {
      if (e instanceof CommunityError) return reply.code(e.status).send({ error: e.status === 429 ? 'Too Many Requests' : 'Rejected', message: e.message });
      throw e;
    }
  });
}
