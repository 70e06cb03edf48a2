import { DEFAULT_COLUMN_WEIGHTS } from '../types.js';

// FTS5's bm25 (sqlite/ext/fts5/fts5_aux.c, fts5Bm25Function), which the in-memory index reproduces
// to the last bit: its constants, its idf, and the types its scoring works on.

export const K1 = 1.2;

/** FTS5's bm25 idf of a phrase found in `n` of `rows` rows: log((N - n + 0.5) / (n + 0.5)), or 1e-6 where that is <= 0. */
export function bm25Idf(rows: number, n: number): number {
  const idf = Math.log((rows - n + 0.5) / (n + 0.5));
  return idf <= 0.0 ? 1e-6 : idf;
}
export const B = 0.75;

export interface Bm25Doc {
  rowid: number;
  title: string;
  abstract: string;
  authors: string;
  /** the paper's id, which idOf gives back for the row (without it, the index keeps no ids) */
  id?: string;
}

export interface Bm25Weights {
  title: number;
  abstract: number;
  authors: number;
}

/** bm25 column weights: a title word says more about a paper than an abstract word, an author name less. */
export const DEFAULT_BM25_WEIGHTS: Bm25Weights = DEFAULT_COLUMN_WEIGHTS;

export interface RowHit {
  rowid: number;
  score: number;
}

/**
 * f (k1 + 1) / (f + K) of a row of D tokens, rounded up to a float32 (a bound, stored in 4 bytes).
 * The bm25 term of the row is at most idf times this for any avgdl up to the given one (K falls as
 * avgdl grows).
 */
export function termBound(f: number, D: number, avgdl: number): number {
  return Math.fround(((f * (K1 + 1.0)) / (f + K1 * (1 - B + (B * D) / avgdl))) * (1 + 1e-6));
}
