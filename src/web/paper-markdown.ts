import type { Paper } from '../papers/paper.js';
import { absUrl, pdfUrl } from '../papers/arxiv-id.js';
import { bibtex } from '../papers/citation.js';

// A paper as Markdown (/papers/:id.md, or the paper page asked for with Accept: text/markdown), as
// Hugging Face and alphaXiv offer for reading by people and language models alike: title, authors,
// abstract, links and the BibTeX entry. Text is arXiv's as harvested (it may contain TeX).

/** Markdown's own characters in one line of text (titles, names), escaped. */
function inline(text: string): string {
  return text.replace(/([\\`*_[\]<>#|])/g, '\\$1');
}

export function paperMarkdown(p: Paper, baseUrl: string): string {
  const links = [
    `- arXiv: ${absUrl(p.id)} (v${p.version})`,
    `- PDF: ${pdfUrl(p.id)}`,
    `- Paperboy: ${baseUrl.replace(/\/+$/, '')}/papers/${p.id}`,
    ...(p.doi ? [`- DOI: https://doi.org/${p.doi}`] : []),
    ...(p.githubRepo ? [`- Code: ${p.githubRepo}`] : []),
    ...(p.projectPage ? [`- Project page: ${p.projectPage}`] : []),
  ];
  return [
    `# ${inline(p.title)}`,
    '',
    `**Authors:** ${inline(p.authors.join(', '))}`,
    '',
    `**arXiv:** ${p.id} · **Published:** ${p.publishedAt.slice(0, 10)}${p.updatedAt !== p.publishedAt ? ` · **Updated:** ${p.updatedAt.slice(0, 10)} (v${p.version})` : ''} · **Categories:** ${p.categories.join(', ')}`,
    ...(p.journalRef ? ['', `**Journal reference:** ${inline(p.journalRef)}`] : []),
    ...(p.comments ? ['', `**Comments:** ${inline(p.comments)}`] : []),
    '',
    '## Abstract',
    '',
    p.abstract,
    '',
    '## Links',
    '',
    ...links,
    '',
    '## BibTeX',
    '',
    '```bibtex',
    bibtex(p).trimEnd(),
    '```',
    '',
  ].join('\n');
}
