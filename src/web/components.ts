import { absUrl, pdfUrl } from '../papers/arxiv-id.js';
import type { Paper } from '../papers/paper.js';
import { thumbnailName, type Thumbnail } from '../ingest/thumbnails.js';
import { html, safeUrl, type SafeHtml } from '../util/html.js';

export function paperPath(id: string): string {
  return `/papers/${id}`;
}

export function formatDate(iso: string, timeZone = 'UTC'): string {
  return new Date(iso).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone });
}

export function authorLine(authors: string[], max = 6): string {
  if (authors.length <= max) return authors.join(', ');
  return `${authors.slice(0, max).join(', ')} et al. (${authors.length} authors)`;
}

/** The path of an author name's page (src/web/pages/author-show.ts). */
export function authorPath(name: string): string {
  return `/authors/${encodeURIComponent(name.trim())}`;
}

/** authorLine with each name a link to its author page. */
export function authorLinks(authors: string[], max = 6): SafeHtml {
  const shown = authors.length <= max ? authors : authors.slice(0, max);
  const links = shown.map((name, i) => html`${i ? ', ' : ''}<a class="author" href="${authorPath(name)}">${name}</a>`);
  return authors.length <= max ? html`${links}` : html`${links} et al. (${authors.length} authors)`;
}

export function excerpt(text: string, chars = 320): string {
  if (text.length <= chars) return text;
  const cut = text.slice(0, chars);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), chars - 40))}…`;
}

/** The stable path of a paper's thumbnail (src/web/pages/thumbnail-show.ts). */
export function thumbnailPath(id: string): string {
  return `/thumbnails/${thumbnailName(id)}`;
}

/**
 * A paper's thumbnail at `cssWidth` pixels wide (drawn at twice that), lazy-loaded with its width and
 * height so the page does not move when it comes; a link to the paper that screen readers and the
 * keyboard skip (the title is the same link).
 */
export function thumbnailFigure(id: string, t: Thumbnail | undefined, cssWidth = 120): SafeHtml | '' {
  if (!t) return '';
  const height = Math.round((t.height * cssWidth) / t.width);
  return html`<a class="paper-thumb" href="${paperPath(id)}" tabindex="-1" aria-hidden="true"><img src="${thumbnailPath(id)}" width="${cssWidth}" height="${height}" loading="lazy" decoding="async" alt=""></a>`;
}

/** Key phrases as chips, each a search for it (paper pages and feed cards). */
export function keywordChips(phrases: string[]): SafeHtml | '' {
  if (!phrases.length) return '';
  return html`<p class="keywords"><span class="label muted">Keywords</span> ${phrases.map((k) => html`<a class="chip" href="/search?q=${encodeURIComponent(k)}">${k}</a> `)}</p>`;
}

export function paperLinks(p: Pick<Paper, 'id' | 'githubRepo' | 'projectPage'> & { githubStars?: number | null }): SafeHtml {
  const gh = safeUrl(p.githubRepo);
  const project = safeUrl(p.projectPage);
  return html`<a href="${absUrl(p.id)}" rel="noopener">arXiv</a>
    <a href="${pdfUrl(p.id)}" rel="noopener">PDF</a>
    ${gh ? html`<a class="code-link" href="${gh}" rel="noopener nofollow" title="${gh}">${codeHost(gh)}${p.githubStars != null ? html` <span class="stars" aria-label="${p.githubStars} stars">★ ${shortCount(p.githubStars)}</span>` : ''}</a>` : ''}
    ${project ? html`<a href="${project}" rel="noopener nofollow">Project page</a>` : ''}`;
}

/** What a code link is called on a card: its host's name. */
function codeHost(url: string): string {
  const host = new URL(url).hostname;
  if (host === 'github.com') return 'GitHub';
  if (host === 'gitlab.com' || host.startsWith('gitlab.')) return 'GitLab';
  if (host === 'huggingface.co') return 'Hugging Face';
  return 'Code';
}

/** 950, 1.2k, 12k, 1.3M */
export function shortCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${(n / 1000).toFixed(1).replace(/\.0$/, '')}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

export interface CardExtras {
  /** left column: upvote box or similar (trusted markup) */
  side?: SafeHtml;
  /** extra meta items after the links */
  meta?: SafeHtml;
  /** a highlighted snippet to show instead of the abstract excerpt */
  snippet?: SafeHtml;
  /** a line under the authors (For you: why the paper is recommended) */
  note?: SafeHtml;
  /** a For-you card: it leaves the list when dismissed (/static/community.js) */
  forYou?: boolean;
  /** under the meta line (a collection's controls and note form) */
  after?: SafeHtml;
  /** THUMBNAILS: the paper's drawn thumbnail, beside the text as on feed cards (listedThumbnails gives a page's) */
  thumbnail?: Thumbnail;
}

export function paperCard(p: Paper, extras: CardExtras = {}): SafeHtml {
  const thumb = thumbnailFigure(p.id, extras.thumbnail);
  return html`<li class="paper-card${thumb ? ' with-thumb' : ''}" data-paper-id="${p.id}"${extras.forYou ? html` data-foryou-card` : ''}>
  <div class="side">${extras.side ?? html`<div class="votes" aria-hidden="true"><span class="chip">${p.categories[0]}</span></div>`}</div>
  <article>
    <h2><a href="${paperPath(p.id)}">${p.title}</a></h2>
    <p class="authors">${authorLinks(p.authors)}</p>
    ${extras.note ?? ''}
    <p class="excerpt">${extras.snippet ?? excerpt(p.abstract)}</p>
    <div class="meta">
      <time datetime="${p.publishedAt}">${formatDate(p.publishedAt)}</time>
      ${p.categories.slice(0, 3).map((c) => html`<span class="chip">${c}</span>`)}
      ${paperLinks(p)}
      ${extras.meta ?? ''}
    </div>
    ${extras.after ?? ''}
  </article>
  ${thumb}
</li>`;
}
