import { STOP_WORDS, normalizeText, words } from './tokenize.js';

/** One lexical hit: a paper id and a score where higher is better. */
export interface LexicalHit {
  id: string;
  score: number;
}

/** Best score first; equal scores in id order, so rankings are the same on every run and database. */
export function byScoreThenId(a: { id: string; score: number }, b: { id: string; score: number }): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export interface LexicalSearchOptions {
  limit: number;
}

/**
 * Full-text search over papers. SQLite implements it with FTS5 (bm25), PostgreSQL with a weighted
 * tsvector and websearch_to_tsquery; domain code only sees this interface.
 */
export interface LexicalIndex {
  search(query: string, options: LexicalSearchOptions): Promise<LexicalHit[]>;
  /**
   * The highest score any paper could get for `query` (bm25: idf * (k1 + 1) per word), which hybrid
   * ranking divides lexical scores by; absent where the scores have no such bound (PostgreSQL's
   * ts_rank_cd), and the lexical hits are then min-max normalised.
   */
  scoreBound?(query: string): Promise<number>;
}

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

function ftsString(tokens: string[]): string {
  // Tokens are letters and digits only; doubling quotes is belt and braces.
  return '"' + tokens.join(' ').replace(/"/g, '""') + '"';
}

/**
 * Builds an FTS5 MATCH expression: every phrase is required, words are OR-ed (bm25 ranks documents
 * with more and rarer words higher). Returns null when nothing searchable is left.
 */
export function toFts5Query(parsed: ParsedQuery): string | null {
  const phrases = parsed.phrases.map(ftsString);
  const terms = parsed.terms.map((t) => ftsString([t]));
  if (phrases.length === 0 && terms.length === 0) return null;
  if (phrases.length === 0) return terms.join(' OR ');
  const required = phrases.join(' AND ');
  if (terms.length === 0) return required;
  return `${required} AND (${[...phrases, ...terms].join(' OR ')})`;
}

/** Normalised form used to recognise "the user typed the exact title". */
export function titleKey(text: string): string {
  return (normalizeText(text).match(/[\p{L}\p{N}]+/gu) ?? []).join(' ');
}

const NEW_ID = /^(?:arxiv:)?(\d{4}\.\d{4,5})(?:v\d+)?$/i;
const OLD_ID = /^(?:arxiv:)?([a-z-]+(?:\.[a-z]{2})?\/\d{7})(?:v\d+)?$/i;

/** The arXiv id (without version) when the whole query is one, else null. */
export function queryArxivId(query: string): string | null {
  const q = query.trim().replace(/^https?:\/\/arxiv\.org\/(?:abs|pdf)\//i, '').replace(/\.pdf$/i, '');
  const m = NEW_ID.exec(q) ?? OLD_ID.exec(q);
  return m ? m[1].toLowerCase() : null;
}

/** Weight of the unstemmed index's bm25 against the Porter-stemmed one (SQLite; tuned on SciFact train). */
export const EXACT_WORD_WEIGHT = 0.5;

/**
 * A query word is over-stemmed when the papers with it as typed are fewer than this share of the
 * papers with its Porter stem ("generalization" among "gener": generation, general, generate...):
 * the stemmed ranking can fill its top rows with the other words, so the papers with the typed
 * word are searched for too (SQLite's lexical index).
 */
export const OVER_STEMMED = 0.5;
