import { STOP_WORDS, normalizeText, words } from './tokenize.js';

// User text as both engines read it: phrases and words (never query syntax), the title key of an
// exact-title match and an arXiv id typed as the whole query.

/** The parsed form of user text: required phrases and optional words. Never raw query syntax. */
export interface ParsedQuery {
  phrases: string[][];
  terms: string[];
}

export const MAX_QUERY_CHARS = 1000;
export const MAX_QUERY_TERMS = 48;

/**
 * Parses user text into phrases (text between balanced double quotes) and plain words.
 * Everything that is not a letter or digit is dropped, so FTS5/tsquery operators typed by the
 * user (`-`, `*`, `NEAR(`, `AND`, brackets, column filters) are only ever words.
 */
export function parseQuery(input: string): ParsedQuery {
  const text = input.slice(0, MAX_QUERY_CHARS);
  const phrases: string[][] = [];
  const rest: string[] = [];
  const parts = text.split('"');
  // Odd-indexed parts are inside quotes only if the quote closing them exists.
  const closed = parts.length % 2 === 1 ? parts.length : parts.length - 1;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i % 2 === 1 && i < closed) {
      const ws = words(part);
      if (ws.length > 1) phrases.push(ws);
      else rest.push(...ws);
    } else {
      rest.push(...words(part));
    }
  }
  const seen = new Set<string>();
  const terms: string[] = [];
  for (const w of rest) {
    if (seen.has(w)) continue;
    seen.add(w);
    terms.push(w);
  }
  const content = terms.filter((w) => !STOP_WORDS.has(w));
  // A query made only of stop words ("the who") still searches for them.
  const chosen = (content.length > 0 ? content : terms).slice(0, MAX_QUERY_TERMS);
  return { phrases: phrases.slice(0, 8).map((p) => p.slice(0, 16)), terms: chosen };
}

/** Normalised form used to recognise "the user typed the exact title". */
export function titleKey(text: string): string {
  return (normalizeText(text).match(/[\p{L}\p{N}]+/gu) ?? []).join(' ');
}

const NEW_ID = /^(?:arxiv:)?(\d{4}\.\d{4,5})(?:v\d+)?$/i;
const OLD_ID = /^(?:arxiv:)?([a-z-]+(?:\.[a-z]{2})?\/\d{7})(?:v\d+)?$/i;

/** The arXiv id (without version) when the whole query is one, else null. */
export function queryArxivId(query: string): string | null {
  const q = query
    .trim()
    .replace(/^https?:\/\/arxiv\.org\/(?:abs|pdf)\//i, '')
    .replace(/\.pdf$/i, '');
  const m = NEW_ID.exec(q) ?? OLD_ID.exec(q);
  return m ? m[1].toLowerCase() : null;
}
