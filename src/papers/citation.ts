import type { Paper } from './paper.js';
import { absUrl, pdfUrl } from './arxiv-id.js';

// A paper or a list of papers as reference managers read them: BibTeX (the @misc form arXiv itself
// suggests: eprint, archivePrefix, primaryClass), RIS and CSL-JSON. One citation key scheme for all
// of them and for the paper page: first author's last name, year, first real word of the title
// (lovelace2026graph); in a list, a key that repeats gets a letter (lovelace2026grapha, ...b) after
// its first use, so the first paper keeps the key its page shows.

export const EXPORT_FORMATS = ['bibtex', 'ris', 'csl-json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(v: unknown): v is ExportFormat {
  return typeof v === 'string' && (EXPORT_FORMATS as readonly string[]).includes(v);
}

/** How pages name each format in their export links. */
export const EXPORT_LABELS: Record<ExportFormat, string> = { bibtex: 'BibTeX', ris: 'RIS', 'csl-json': 'CSL-JSON' };

/** Content type and file extension of each format. */
export const EXPORT_TYPES: Record<ExportFormat, { contentType: string; ext: string }> = {
  bibtex: { contentType: 'application/x-bibtex; charset=utf-8', ext: 'bib' },
  ris: { contentType: 'application/x-research-info-systems; charset=utf-8', ext: 'ris' },
  'csl-json': { contentType: 'application/vnd.citationstyles.csl+json; charset=utf-8', ext: 'json' },
};

/** Braces and backslashes in titles would break the entry; TeX math ($...$) is kept as is. */
function field(value: string): string {
  let depth = 0;
  let out = '';
  for (const ch of value) {
    if (ch === '{') depth++;
    if (ch === '}') {
      if (depth === 0) continue; // an unbalanced closing brace would end the field early
      depth--;
    }
    out += ch;
  }
  return out + '}'.repeat(depth);
}

function lastName(author: string): string {
  const words = author.trim().split(/\s+/);
  return (
    (words[words.length - 1] ?? 'anon')
      .normalize('NFKD')
      .replace(/[^a-zA-Z]/g, '')
      .toLowerCase() || 'anon'
  );
}

const SKIPPED_WORDS = new Set(['with', 'from', 'that', 'this', 'towards', 'using']);

export function citationKey(p: Pick<Paper, 'title' | 'authors' | 'publishedAt'>): string {
  const year = p.publishedAt.slice(0, 4);
  const word = (p.title.toLowerCase().match(/[a-z]{4,}/g) ?? ['paper']).find((w) => !SKIPPED_WORDS.has(w)) ?? 'paper';
  return `${lastName(p.authors[0] ?? 'anon')}${year}${word}`;
}

/** Each paper's key in a list: citationKey, with a letter from the second paper that shares it. */
export function citationKeys(papers: Pick<Paper, 'title' | 'authors' | 'publishedAt'>[]): string[] {
  const seen = new Map<string, number>();
  const used = new Set<string>();
  return papers.map((p) => {
    const base = citationKey(p);
    let n = seen.get(base) ?? 0;
    let key = base;
    while (used.has(key)) key = `${base}${suffix(n++)}`;
    seen.set(base, n);
    used.add(key);
    return key;
  });
}

/** a, b, ..., z, aa, ab, ... */
function suffix(n: number): string {
  let s = '';
  let i = n;
  do {
    s = String.fromCharCode(97 + (i % 26)) + s;
    i = Math.floor(i / 26) - 1;
  } while (i >= 0);
  return s;
}

export function bibtex(p: Paper, key = citationKey(p)): string {
  const lines = [
    `@misc{${key},`,
    `  title         = {${field(p.title)}},`,
    `  author        = {${field(p.authors.join(' and '))}},`,
    `  year          = {${p.publishedAt.slice(0, 4)}},`,
    `  eprint        = {${p.id}},`,
    `  archivePrefix = {arXiv},`,
    `  primaryClass  = {${p.categories[0]}},`,
    `  url           = {https://arxiv.org/abs/${p.id}},`,
  ];
  if (p.doi) lines.push(`  doi           = {${field(p.doi)}},`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** "Ada Lovelace" as family and given names (arXiv lists names given-first; the last word is the family name). */
function splitName(name: string): { family: string; given: string } {
  const words = name.trim().split(/\s+/);
  if (words.length < 2) return { family: words[0] ?? '', given: '' };
  return { family: words[words.length - 1], given: words.slice(0, -1).join(' ') };
}

/** RIS lines take no line breaks (harvested text has none: the test spares the replace on 10,000 abstracts). */
function risValue(v: string): string {
  return /[\r\n\t]/.test(v) ? v.replace(/\s+/g, ' ').trim() : v;
}

/** One RIS record (type UNPB, unpublished work: a preprint), CRLF line ends as the format asks. */
export function ris(p: Paper, key = citationKey(p)): string {
  const date = p.publishedAt.slice(0, 10).replace(/-/g, '/');
  const lines = [
    'TY  - UNPB',
    `ID  - ${key}`,
    `TI  - ${risValue(p.title)}`,
    ...p.authors.map((a) => {
      const n = splitName(a);
      return `AU  - ${risValue(n.given ? `${n.family}, ${n.given}` : n.family)}`;
    }),
    `PY  - ${p.publishedAt.slice(0, 4)}`,
    `DA  - ${date}`,
    `AB  - ${risValue(p.abstract)}`,
    `PB  - arXiv`,
    `M1  - arXiv:${p.id}`,
    `UR  - ${absUrl(p.id)}`,
    `L1  - ${pdfUrl(p.id)}`,
    ...p.categories.map((c) => `KW  - ${c}`),
  ];
  if (p.doi) lines.push(`DO  - ${risValue(p.doi)}`);
  lines.push('ER  - ', '');
  return lines.join('\r\n');
}

/** A CSL-JSON item (type "article": a preprint in CSL 1.0.2), as Zotero and Pandoc read it. */
export function cslItem(p: Paper, key = citationKey(p)): Record<string, unknown> {
  const [y, m, d] = p.publishedAt.slice(0, 10).split('-').map(Number);
  return {
    id: key,
    type: 'article',
    title: p.title,
    author: p.authors.map((a) => {
      const n = splitName(a);
      return n.given ? { family: n.family, given: n.given } : { literal: n.family };
    }),
    issued: { 'date-parts': [[y, m, d]] },
    abstract: p.abstract,
    publisher: 'arXiv',
    number: `arXiv:${p.id}`,
    version: String(p.version),
    URL: absUrl(p.id),
    ...(p.doi ? { DOI: p.doi } : {}),
    keyword: p.categories.join(', '),
  };
}

/** A list of papers in one format, with keys unique in the list. */
export function exportPapers(papers: Paper[], format: ExportFormat): string {
  const keys = citationKeys(papers);
  if (format === 'csl-json')
    return `${JSON.stringify(
      papers.map((p, i) => cslItem(p, keys[i])),
      null,
      2,
    )}\n`;
  const one = format === 'bibtex' ? bibtex : ris;
  return papers.map((p, i) => one(p, keys[i])).join(format === 'bibtex' ? '\n' : '');
}
