import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import { errorPage } from '../error-page.js';
import { absUrl, parseArxivId, pdfUrl } from '../../papers/arxiv-id.js';
import type { Paper } from '../../papers/paper.js';
import { html, safeUrl, type SafeHtml } from '../../util/html.js';
import { paperMarkdown } from '../paper-markdown.js';
import { collectionPath } from './collection-show.js';
import { formatDate, keywordChips, paperCard, paperLinks, paperPath, thumbnailFigure } from '../components.js';
import { page } from '../session.js';
import { listedThumbnails } from '../listed-thumbnails.js';
import { paperCommunity } from './paper-community.js';
import { signalButtons } from '../community-components.js';
import { githubStarsOf } from '../../feed/daily.js';
import { paperKeywords } from '../../papers/keywords.js';
import { EXTRACTIVE, paperSummary } from '../../papers/summary.js';

/** Accept asks for Markdown before HTML (a browser's Accept names text/html first, or only). */
function prefersMarkdown(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((t) => {
    const [type, ...params] = t.trim().toLowerCase().split(';');
    const q = params.map((x) => /^\s*q=([\d.]+)/.exec(x)?.[1]).find(Boolean);
    return { type: type.trim(), q: q === undefined ? 1 : Number(q) };
  });
  const md = types.find((t) => t.type === 'text/markdown');
  if (!md || md.q <= 0) return false;
  const htmlType = types.find((t) => t.type === 'text/html');
  return !htmlType || md.q > htmlType.q || (md.q === htmlType.q && types.indexOf(md) < types.indexOf(htmlType));
}

/**
 * The Highwire tags reference managers' browser connectors (Zotero, Mendeley) and Google Scholar
 * read to save a paper from its page.
 */
function citationMeta(p: Paper): SafeHtml {
  return html`<meta name="citation_title" content="${p.title}">
${p.authors.map(
  (a) => html`<meta name="citation_author" content="${a}">
`,
)}<meta name="citation_publication_date" content="${p.publishedAt.slice(0, 10).replace(/-/g, '/')}">
<meta name="citation_online_date" content="${p.updatedAt.slice(0, 10).replace(/-/g, '/')}">
<meta name="citation_arxiv_id" content="${p.id}">
<meta name="citation_pdf_url" content="${pdfUrl(p.id)}">
<meta name="citation_abstract_html_url" content="${absUrl(p.id)}">
${
  p.doi
    ? html`<meta name="citation_doi" content="${p.doi}">
`
    : ''
}<link rel="alternate" type="text/markdown" href="${paperPath(p.id)}.md">`;
}

function notFound(reply: FastifyReply, what: string) {
  return reply
    .code(404)
    .type('text/html; charset=utf-8')
    .send(errorPage(404, 'Paper not found', what));
}

/** GET /papers/:arxivId (and old-style /papers/hep-th/9901001): the paper page. */
export function registerPaperShow(app: FastifyInstance, deps: AppDeps) {
  const { search } = deps;
  const { community } = deps;
  const show = async (req: FastifyRequest, rawPath: string, reply: FastifyReply) => {
    // /papers/:id.md, or Accept: text/markdown (before text/html): the paper as Markdown.
    const md = rawPath.endsWith('.md');
    const raw = md ? rawPath.slice(0, -3) : rawPath;
    const ref = parseArxivId(raw);
    if (!ref) return notFound(reply, `"${raw.slice(0, 80)}" is not an arXiv id.`);
    if (ref.id !== raw) return reply.redirect(`${paperPath(ref.id)}${md ? '.md' : ''}`, 301);
    // Stored, or fetched from arXiv now (any arXiv id on demand).
    const found = await deps.onDemand.get(ref.id);
    if ('unavailable' in found) {
      return reply
        .code(503)
        .header('Retry-After', String(found.retryAfterS))
        .type('text/html; charset=utf-8')
        .send(
          errorPage(
            503,
            'arXiv is not answering',
            `Paper ${ref.id} is not stored here yet, and arXiv could not be reached to fetch it. Try again in a minute, or read it on arXiv: ${absUrl(ref.id)}`,
          ),
        );
    }
    if ('missing' in found) return notFound(reply, `arXiv has no paper ${ref.id}.`);
    const p = found.paper;
    if (!md) reply.header('Vary', 'Accept');
    if (md || prefersMarkdown(req.headers.accept)) return reply.type('text/markdown; charset=utf-8').send(paperMarkdown(p, deps.config.baseUrl));
    // Similar papers come from stored vectors only (no model call); none until `paperboy embed` ran.
    const [c, { similar, thumbnails }, mine, githubStars, collections, holding] = await Promise.all([
      paperCommunity(req, p, community),
      // THUMBNAILS: opening a paper asks for its thumbnail and its similar papers' (a worker draws each once).
      search
        .similar(p.id, 6)
        .catch(() => [])
        .then(async (similar) => ({ similar, thumbnails: await listedThumbnails(deps, [p.id, ...similar.map((x) => x.paper.id)]) })),
      req.user ? deps.recommend.signals.among(req.user.id, [p.id]) : null,
      githubStarsOf(deps.database, p.githubRepo),
      req.user ? deps.recommend.collections.mine(req.user.id) : undefined,
      req.user ? deps.recommend.collections.holding(req.user.id, p.id) : [],
    ]);
    const username = req.user?.username ?? '';
    const summary = paperSummary(p);
    const phrases = paperKeywords(p);
    const doi = p.doi ? safeUrl(`https://doi.org/${p.doi}`) : null;
    const body = html`<article class="paper-page">
<p class="muted">arXiv:${p.id}v${p.version} · ${p.categories.map((c) => html`<span class="chip">${c}</span> `)}</p>
<div class="paper-title-row">${c.upvote}<h1>${p.title}</h1></div>
${c.authors}
<div class="links">${paperLinks({ ...p, githubStars })}<a href="${paperPath(p.id)}.md" type="text/markdown">Markdown</a>${
      mine ? signalButtons(req, { paperId: p.id, saved: mine.saved.has(p.id), dismissed: mine.dismissed.has(p.id), back: paperPath(p.id), collections }) : ''
    }</div>
${
  holding.length
    ? html`<p class="in-collections muted">In your collections: ${holding.map((h, i) => html`${i ? ', ' : ''}<a href="${collectionPath(username, h.slug)}">${h.name}</a>`)}</p>`
    : ''
}
${c.submission}
${
  summary
    ? html`<p class="ai-summary">${
        summary.model === EXTRACTIVE
          ? html`<span class="chip" title="The sentence of the abstract that states the contribution, chosen without a model">Extractive summary</span>`
          : html`<span class="chip" title="Written by the language model ${summary.model} from the abstract">Summary by ${summary.model}</span>`
      } ${summary.text}</p>`
    : ''
}
${keywordChips(phrases)}
${thumbnailFigure(p.id, thumbnails.get(p.id), 180)}
<h2>Abstract</h2>
<p class="abstract">${p.abstract}</p>
<dl>
  <dt>Published</dt><dd><time datetime="${p.publishedAt}">${formatDate(p.publishedAt)}</time></dd>
  ${p.updatedAt !== p.publishedAt ? html`<dt>Updated</dt><dd><time datetime="${p.updatedAt}">${formatDate(p.updatedAt)}</time> (v${p.version})</dd>` : ''}
  ${p.comments ? html`<dt>Comments</dt><dd>${p.comments}</dd>` : ''}
  ${p.journalRef ? html`<dt>Journal ref</dt><dd>${p.journalRef}</dd>` : ''}
  ${p.doi ? html`<dt>DOI</dt><dd>${doi ? html`<a href="${doi}" rel="noopener">${p.doi}</a>` : p.doi}</dd>` : ''}
  ${p.license ? html`<dt>License</dt><dd>${safeUrl(p.license) ? html`<a href="${safeUrl(p.license)}" rel="noopener">${p.license}</a>` : p.license}</dd>` : ''}
  <dt>arXiv</dt><dd><a href="${absUrl(p.id)}">${absUrl(p.id)}</a></dd>
</dl>
${c.sections}
${similar.length ? html`<section class="similar"><h2>Similar papers</h2><ol class="papers">${similar.map((x) => paperCard(x.paper, { thumbnail: thumbnails.get(x.paper.id) }))}</ol></section>` : ''}
</article>`;
    return reply.type('text/html; charset=utf-8').send(
      page(req, {
        title: `${p.title} · Paperboy`,
        description: p.abstract.slice(0, 200),
        body,
        scripts: ['feed.js', 'community.js'],
        head: citationMeta(p),
      }),
    );
  };
  app.get<{ Params: { arxivId: string } }>('/papers/:arxivId', (req, reply) => show(req, req.params.arxivId, reply));
  // Old-style ids contain a slash: /papers/hep-th/9901001
  app.get<{ Params: { archive: string; number: string } }>('/papers/:archive/:number', (req, reply) =>
    show(req, `${req.params.archive}/${req.params.number}`, reply),
  );
}
