import { parseQuery } from './lexical/index.js';
import { stem, normalizeText } from './lexical/tokenize.js';

export interface SnippetPart {
  text: string;
  hit: boolean;
}

/**
 * The word without its English inflection (plural, -ed, -ing, a final e): "learned", "learning" and
 * "learns" are all "learn", "generalized" and "generalize" are "generaliz". Derivations stay apart:
 * "generic" is not "generalization", which the Porter stemmer folds together ("gener").
 */
export function inflectionStem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(?:[sxz]|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  return w.length > 3 && w.endsWith('e') ? w.slice(0, -1) : w;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Whether a word of the text is one of the query's words: the same word up to inflection, or the
 * same Porter stem with at least three letters in common past it ("generalize" for
 * "generalization", not "generation" or "generic").
 */
function matcher(queryWords: string[]): (word: string) => boolean {
  const light = new Set(queryWords.map(inflectionStem));
  const byStem = new Map<string, string[]>();
  for (const q of queryWords) {
    const st = stem(q);
    byStem.set(st, [...(byStem.get(st) ?? []), q]);
  }
  return (w) => {
    if (light.has(inflectionStem(w))) return true;
    const st = stem(w);
    return (byStem.get(st) ?? []).some((q) => commonPrefix(q, w) >= st.length + 3);
  };
}

/**
 * The best window of `text` for a query, split into parts with query words marked (up to
 * inflection, so "networks" marks "network"; see matcher). Returned as plain parts: the caller
 * escapes them when rendering.
 */
export function snippet(text: string, query: string, chars = 280): SnippetPart[] {
  const parsed = parseQuery(query);
  const isQueryWord = matcher([...parsed.terms, ...parsed.phrases.flat()]);
  const re = /[\p{L}\p{N}]+/gu;
  const tokens: { start: number; end: number; hit: boolean }[] = [];
  for (const m of text.matchAll(re)) {
    const w = (normalizeText(m[0]).match(/[\p{L}\p{N}]+/u) ?? [''])[0];
    tokens.push({ start: m.index!, end: m.index! + m[0].length, hit: w !== '' && isQueryWord(w) });
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
