import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { bearerUser } from './bearer.js';
import { looksLikeBibtex } from '../../recommend/library-parse.js';
import { errorResponse, type RouteDoc } from './schemas.js';

// POST /api/library/import: the member's own papers (arXiv ids or URLs, or a BibTeX file) as signals.

export const ImportResult = Type.Object(
  {
    imported: Type.Array(Type.String(), { description: 'arXiv ids imported (also those imported before)' }),
    unknown: Type.Array(Type.String(), {
      description: 'entries that name no paper of this instance or could not be read: the id or URL as written, or the BibTeX key',
    }),
    problems: Type.Array(Type.Object({ entry: Type.String(), line: Type.Integer(), reason: Type.String() }), {
      description: 'why each unknown entry was left out, with its line',
    }),
  },
  { description: '`{ imported, unknown, problems }`' },
);

export const libraryImportSchema = {
  operationId: 'importLibrary',
  tags: ['papers'],
  summary: 'Import your papers to start your For-you ranking',
  description:
    'text/plain: arXiv ids or arxiv.org URLs, one per line or separated by white space. application/x-bibtex: entries matched by `eprint`, an arXiv URL, the DOI or the exact title. Broken entries are named and the good ones imported. Importing again changes nothing.',
  security: [{ bearer: [] }],
  consumes: ['text/plain', 'application/x-bibtex'],
  body: Type.String({ description: 'the list or the BibTeX file', maxLength: 1024 * 1024 }),
  response: {
    200: ImportResult,
    400: errorResponse('An empty body'),
    401: errorResponse('No valid API token'),
    415: errorResponse('Neither text/plain nor application/x-bibtex'),
  },
} satisfies RouteDoc & Record<string, unknown>;

export function registerLibraryImport(app: FastifyInstance, deps: AppDeps) {
  const { community, recommend } = deps;
  for (const type of ['application/x-bibtex', 'text/x-bibtex']) {
    if (!app.hasContentTypeParser(type)) app.addContentTypeParser(type, { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
  }
  app.post<{ Body: string }>(
    '/api/library/import',
    { schema: libraryImportSchema, bodyLimit: 1024 * 1024, validatorCompiler: () => () => true },
    async (req, reply) => {
      const user = await bearerUser(req, reply, community);
      if (!user) return reply;
      if (typeof req.body !== 'string')
        return reply.code(415).send({ error: 'Unsupported Media Type', message: 'recommend: send text/plain (arXiv ids or URLs) or application/x-bibtex' });
      if (!req.body.trim())
        return reply.code(400).send({ error: 'Bad Request', message: 'recommend: send arXiv ids (text/plain) or a BibTeX file (application/x-bibtex)' });
      const bibtex = /bibtex/i.test(String(req.headers['content-type'] ?? '')) || looksLikeBibtex(req.body);
      return recommend.importLibrary(user.id, req.body, bibtex ? 'bibtex' : 'ids');
    },
  );
}
