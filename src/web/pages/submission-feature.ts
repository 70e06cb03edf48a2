import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { requireUser } from '../session.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { paperPath } from '../components.js';
import { CommunityError } from '../../community/errors.js';

// POST /papers/:arxivId/unfeature and /feature: curators take a submission out of the feed
// (submissions.hidden = 1) or put it back.

export const featureSchema = {
  params: { type: 'object', required: ['arxivId'], properties: { arxivId: { type: 'string', maxLength: 60 } } },
} as const;

export function registerSubmissionFeature(app: FastifyInstance, deps: AppDeps) {
  const { community } = deps;
  for (const [action, hidden] of [
    ['unfeature', true],
    ['feature', false],
  ] as const) {
    app.post<{ Params: { arxivId: string } }>(`/papers/:arxivId/${action}`, { schema: featureSchema }, async (req, reply) => {
      const user = requireUser(req, reply);
      if (!user) return reply;
      const ref = parseArxivId(req.params.arxivId);
      if (!ref) throw new CommunityError(404, 'not an arXiv id');
      await community.submissions.setHidden(user, ref.id, hidden);
      return reply.redirect(paperPath(ref.id), 303);
    });
  }
}
