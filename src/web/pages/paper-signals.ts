import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import { backPath } from '../session.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { paperPath } from '../components.js';
import { CommunityError } from '../../community/errors.js';
import { voteSchema } from './paper-upvote.js';

// POST /papers/:arxivId/save, /unsave, /dismiss and /undismiss from the card and paper page forms:
// as the upvote form, a redirect back for a plain form post, JSON for /static/community.js.

function wantsJson(req: FastifyRequest): boolean {
  return String(req.headers.accept ?? '').includes('application/json');
}

const ACTIONS = { save: ['save', true], unsave: ['save', false], dismiss: ['dismiss', true], undismiss: ['dismiss', false] } as const;

export function registerPaperSignals(app: FastifyInstance, deps: AppDeps) {
  const { recommend } = deps;
  for (const [action, [kind, on]] of Object.entries(ACTIONS)) {
    app.post<{ Params: { arxivId: string }; Body?: { back?: string } }>(
      `/papers/:arxivId/${action}`,
      { schema: voteSchema },
      async (req, reply: FastifyReply) => {
        const ref = parseArxivId(req.params.arxivId);
        if (!ref) throw new CommunityError(404, `"${req.params.arxivId.slice(0, 60)}" is not an arXiv id`);
        const back = backPath(req.body?.back, paperPath(ref.id));
        if (!req.user) {
          const what = kind === 'save' ? 'save papers' : 'tune your For-you list';
          if (wantsJson(req))
            return reply
              .code(401)
              .send({ error: 'Unauthorized', message: `recommend: sign in to ${what}`, signin: `/signin?next=${encodeURIComponent(back)}` });
          return reply.redirect(`/signin?next=${encodeURIComponent(back)}`, 303);
        }
        const now = await recommend.signals.set(req.user.id, ref.id, kind, on);
        if (wantsJson(req)) return reply.send({ paperId: ref.id, kind, on: now });
        return reply.redirect(back, 303);
      },
    );
  }
}
