import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { bearerUser } from './bearer.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { SignalError } from '../../recommend/signals.js';
import { apiSchemaErrors, ArxivIdParams, errorResponse, type RouteDoc } from './schemas.js';

// POST / DELETE /api/papers/:arxivId/save and /dismiss ("not interested"), with an API token:
// private signals for the member's For-you ranking, idempotent like the upvote.

const params = Type.Object({ arxivId: Type.String({ ...ArxivIdParams.properties.arxivId, maxLength: 60 }) });

function schemaFor(kind: 'save' | 'dismiss', on: boolean) {
  const field = kind === 'save' ? 'saved' : 'dismissed';
  return {
    operationId: `${on ? '' : 'un'}${kind}Paper`,
    tags: ['community'],
    summary:
      kind === 'save'
        ? on
          ? 'Save a paper to your library (idempotent; private)'
          : 'Take a paper out of your library (idempotent)'
        : on
          ? 'Not interested: the paper leaves your For-you list (idempotent; private)'
          : 'Take back "not interested" (idempotent)',
    security: [{ bearer: [] }],
    params,
    response: {
      200: Type.Object({ paperId: Type.String(), [field]: Type.Boolean() }, { description: `\`{ paperId, ${field} }\`: whether it is ${field} now` }),
      400: errorResponse('Not an arXiv id'),
      401: errorResponse('No valid API token'),
      404: errorResponse('Unknown paper'),
    },
  } satisfies RouteDoc & Record<string, unknown>;
}

export function registerApiPaperSignals(app: FastifyInstance, deps: AppDeps) {
  const { community, recommend } = deps;
  for (const kind of ['save', 'dismiss'] as const) {
    const handle = async (req: FastifyRequest<{ Params: { arxivId: string } }>, reply: FastifyReply, on: boolean) => {
      const user = await bearerUser(req, reply, community);
      if (!user) return reply;
      const ref = parseArxivId(req.params.arxivId);
      if (!ref) return reply.code(400).send({ error: 'Bad Request', message: `recommend: "${req.params.arxivId.slice(0, 60)}" is not an arXiv id` });
      try {
        const now = await recommend.signals.set(user.id, ref.id, kind, on);
        return { paperId: ref.id, [kind === 'save' ? 'saved' : 'dismissed']: now };
      } catch (e) {
        if (e instanceof SignalError) return reply.code(e.status).send({ error: 'Not Found', message: e.message });
        throw e;
      }
    };
    const url = `/api/papers/:arxivId/${kind}`;
    app.post<{ Params: { arxivId: string } }>(url, { schema: schemaFor(kind, true), ...apiSchemaErrors('recommend') }, (req, reply) =>
      handle(req, reply, true),
    );
    app.delete<{ Params: { arxivId: string } }>(url, { schema: schemaFor(kind, false), ...apiSchemaErrors('recommend') }, (req, reply) =>
      handle(req, reply, false),
    );
  }
}
