import type { Paper } from '../papers/paper.js';

// Topics are saved searches: a query plus optional arXiv categories, selecting the papers new in
// a digest's period. Matching sits behind TopicMatcher so that the search branch's LexicalIndex
// (FTS5 / tsvector) can replace this in-process matcher without touching composition.
//
// Query language (deliberately small): bare words must all occur (AND), "quoted words" must occur
// as a phrase, in the title or abstract. Words are compared after lower-casing, removing accents
// and a trailing plural "s", so "Transformers" finds "transformer".

export interface Topic {
  query: string;
  /** empty: any category */
  categories: string[];
}

export interface TopicMatcher {
  /** ids of the candidate papers the topic selects, best first */
  match(topic: Topic, limit: number): string[];
}

export const MAX_TOPIC_QUERY = 200;
export const MAX_TOPICS = 20;

export function tokenize(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w));
}

export interface ParsedQuery {
  terms: string[];
  phrases: string[][];
}

export function parseTopicQuery(query: string): ParsedQuery {
  const phrases: string[][] = [];
  const rest = query.replace(/"([^"]*)"/g, (_m, inner: string) => {
    const t = tokenize(inner);
    if (t.length) phrases.push(t);
    return ' ';
  });
  return { terms: [...new Set(tokenize(rest))], phrases };
}

/** Validate and normalise a topic typed by a subscriber; throws a `digest: ` error when unusable. */
export function normaliseTopic(query: string, categories: string): Topic {
  const q = query.replace(/\s+/g, ' ').trim();
  if (!q) throw new Error('digest: a topic needs a search query');
  if (q.length > MAX_TOPIC_QUERY) throw new Error(`digest: a topic query has at most ${MAX_TOPIC_QUERY} characters`);
  const p = parseTopicQuery(q);
  if (!p.terms.length && !p.phrases.length) throw new Error('digest: a topic query needs at least one word');
  const cats = [
    ...new Set(
      categories
        .split(/[\s,]+/)
        .map((c) => c.trim())
        .filter(Boolean),
    ),
  ];
  for (const c of cats) if (!/^[a-zA-Z-]+(\.[a-zA-Z-]+)?$/.test(c) || c.length > 20) throw new Error(`digest: "${c}" is not an arXiv category (like cs.CL)`);
  return { query: q, categories: cats };
}

function containsPhrase(tokens: string[], phrase: string[]): boolean {
  outer: for (let i = 0; i + phrase.length <= tokens.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (tokens[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * An in-process matcher over one period's candidate papers: an inverted index built once, then
 * each topic intersects posting lists, so thousands of subscribers' topics cost little.
 * Candidates are given newest first; a title match ranks before an abstract-only match.
 */
export function createTokenTopicMatcher(candidates: Paper[]): TopicMatcher {
  const docs = candidates.map((p) => ({ paper: p, title: tokenize(p.title), body: tokenize(`${p.title} ${p.abstract}`) }));
  const postings = new Map<string, number[]>();
  docs.forEach((d, i) => {
    for (const t of new Set(d.body)) {
      const list = postings.get(t);
      if (list) list.push(i);
      else postings.set(t, [i]);
    }
  });
  const cache = new Map<string, string[]>();
  return {
    match(topic, limit) {
      const cacheKey = `${topic.query}\n${topic.categories.join(',')}\n${limit}`;
      const hit = cache.get(cacheKey);
      if (hit) return hit;
      const q = parseTopicQuery(topic.query);
      const needed = [...new Set([...q.terms, ...q.phrases.flat()])];
      let ids: number[] | null = null;
      for (const t of needed) {
        const list = postings.get(t) ?? [];
        if (ids === null) ids = list;
        else {
          const set = new Set(list);
          ids = ids.filter((i) => set.has(i));
        }
        if (!ids.length) break;
      }
      const cats = new Set(topic.categories.map((c) => c.toLowerCase()));
      const found = (ids ?? [])
        .map((i) => docs[i])
        .filter((d) => q.phrases.every((ph) => containsPhrase(d.body, ph)))
        .filter((d) => !cats.size || d.paper.categories.some((c) => cats.has(c.toLowerCase())));
      const titleHits = found.filter((d) => needed.every((t) => d.title.includes(t)));
      const rest = found.filter((d) => !titleHits.includes(d));
      const result = [...titleHits, ...rest].slice(0, limit).map((d) => d.paper.id);
      cache.set(cacheKey, result);
      return result;
    },
  };
}
