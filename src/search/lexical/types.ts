// The lexical engine's interface, which both dialects implement (sqlite-fts5.ts with its in-memory
// bm25 index, postgres-tsvector.ts) and index.ts hands out.

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
  /**
   * A cheap mark of what the index holds (SQLite: FTS5's row and token counts), which changes when
   * papers are added, changed or removed: answers cached under one mark are stale under another.
   * Absent where no such mark is cheap (PostgreSQL): cached answers then only expire by age.
   */
  contentMark?(): string;
}

/** A LexicalIndex whose background work (the SQLite memory index's build) can be waited for. */
export interface AppLexicalIndex extends LexicalIndex {
  /** Settles when the memory index build or rebuild running now has finished (or failed). */
  settled(): Promise<void>;
  /** True while the in-memory index is not loaded yet, and the fallback (FTS5, tsvector) answers. */
  building?(): boolean;
  /** Starts loading (or building) the in-memory index in the background; else the first search does. */
  start?(): void;
}

/** bm25 column weights: a title word says more about a paper than an abstract word, an author name less. */
export interface ColumnWeights {
  title: number;
  abstract: number;
  authors: number;
}

export const DEFAULT_COLUMN_WEIGHTS: ColumnWeights = { title: 2.5, abstract: 1, authors: 0.5 };

/** Score given to an exact id/title match so it sorts above any bm25 score. */
export const EXACT_MATCH_SCORE = 1e6;
