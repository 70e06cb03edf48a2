import type { Paper } from './paper.js';

// BibTeX for an arXiv paper, in the @misc form arXiv itself suggests (eprint, archivePrefix,
// primaryClass), so reference managers recognise it as an arXiv preprint.

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

export function citationKey(p: Paper): string {
  const year = p.publishedAt.slice(0, 4);
  const word =
    (p.title.toLowerCase().match(/[a-z]{4,}/g) ?? ['paper']).find((w) => !['with', 'from', 'that', 'this', 'towards', 'using'].includes(w)) ?? 'paper';
  return `${lastName(p.authors[0] ?? 'anon')}${year}${word}`;
}

export function bibtex(p: Paper): string {
  const lines = [
    `@misc{${citationKey(p)},`,
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
