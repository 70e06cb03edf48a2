import { parseQuery } from './lexical.js';
import { stem, normalizeText } from './tokenize.js';

export interface SnippetPart {
  text: string;
  hit: boolean;
}

/**
 * The best window of `text` for a query, split into parts with query words marked (by stem, so
 * "networks" marks "network"). Returned as plain parts: the caller escapes them when rendering.
 */
export function snippet(text: string, query: string, chars = 280): SnippetPart[] {
  const parsed = parseQuery(query);
  const stems = new Set([...parsed.terms, ...parsed.phrases.flat()].map((w) => stem(w)));
  const re = /[\p{L}\p{N}]+/gu;
  const tokens: { start: number; end: number; hit: boolean }[] = [];
  for (const m of text.matchAll(re)) {
    const w = (normalizeText(m[0]).match(/[\p{L}\p{N}]+/u) ?? [''])[0];
    tokens.push({ start: m.index!, end: m.index! + m[0].length, hit: stems.has(stem(w)) });
  }
  // Window start: the position whose following `chars` characters hold the most hits.
  let bestStart = 0;
  let best = -1;
  let j = 0;
  let count = 0;
  for (let i = 0; i < tokens.length; i++) {
    while (j < tokens.length && tokens[j].end - tokens[i].start <= chars) count += tokens[j++].hit ? 1 : 0;
    if (count > best) {
      best = count;
      bestStart = tokens[i].start;
    }
    count -= tokens[i].hit ? 1 : 0;
  }
  if (best <= 0) bestStart = 0;
  // Start at a sentence or word boundary a little before the first hit.
  const from = bestStart;
  const to = Math.min(text.length, from + chars);
  const parts: SnippetPart[] = [];
  if (from > 0) parts.push({ text: '… ', hit: false });
  let pos = from;
  for (const t of tokens) {
    if (t.start < from || t.end > to) continue;
    if (!t.hit) continue;
    if (t.start > pos) parts.push({ text: text.slice(pos, t.start), hit: false });
    parts.push({ text: text.slice(t.start, t.end), hit: true });
    pos = t.end;
  }
  if (pos < to) parts.push({ text: text.slice(pos, to), hit: false });
  if (to < text.length) parts.push({ text: ' …', hit: false });
  return parts;
}
