import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppDeps } from '../deps.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { bibtex } from '../../papers/citation.js';

/** GET /papers/:arxivId/bibtex: the BibTeX entry as text (also old-style ids). */
export function registerPaperBibtex(app: FastifyInstance, { papers }: AppDeps) {
  const show = async (raw: string, reply: FastifyReply) => {
    const ref = parseArxivId(raw);
    const p = ref ? await papers.get(ref.id) : null;
    if (!p)
      return reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send(`community: no paper ${raw.slice(0, 60)} here\n`);
    return reply
      .type('text/plain; charset=utf-8')
      .header('Content-Disposition', `inline; filename="${p.id.replace('/', '_')}.bib"`)
      .send(bibtex(p));
  };
  app.get<{ Params: { arxivId: string } }>('/papers/:arxivId/bibtex', (req, reply) => show(req.params.arxivId, reply));
  app.get<{ Params: { archive: string; number: string } }>('/papers/:archive/:number/bibtex', (req, reply) =>
    show(`${req.params.archive}/${req.params.number}`, reply),
  );
}
