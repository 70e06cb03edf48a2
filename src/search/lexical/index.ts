import type { Database } from '../../storage/database.js';
import { createPostgresIndex } from './postgres-tsvector.js';
import { createSqliteAppIndex } from './sqlite-accelerated.js';
import { ACCELERATE_MIN_PAPERS } from './sqlite-fts5.js';
import { type AppLexicalIndex, DEFAULT_COLUMN_WEIGHTS, type ColumnWeights } from './types.js';

// The lexical engine's one door: createLexicalIndex gives the open database's dialect its index
// (SQLite: FTS5 with the in-memory bm25 index, sqlite-*.ts and bm25/; PostgreSQL: tsvector,
// postgres-tsvector.ts) behind the LexicalIndex interface; what code outside the engine needs of it
// is exported here too. Nothing above this folder touches a raw database handle for search.

export {
  type AppLexicalIndex,
  type ColumnWeights,
  DEFAULT_COLUMN_WEIGHTS,
  EXACT_MATCH_SCORE,
  type LexicalHit,
  type LexicalIndex,
  type LexicalSearchOptions,
  byScoreThenId,
} from './types.js';
export { type ParsedQuery, parseQuery } from './query.js';
export {
  type BuildOptions,
  type BuildResult,
  type IndexDeferral,
  type SearchIndexState,
  STALE_DEFERRAL_MS,
  buildSearchIndex,
  deferSearchIndexing,
  formatBuild,
  searchIndexState,
} from './sqlite-index-build.js';

export interface LexicalIndexOptions {
  weights?: ColumnWeights;
  /**
   * SQLite: file for the persisted in-memory bm25 index, built in the background once the database
   * holds ACCELERATE_MIN_PAPERS papers (FTS5 answers meanwhile); null keeps it in memory only.
   */
  memoryIndexPath?: string | null;
  /** SQLite: false answers every query from FTS5 */
  accelerate?: boolean;
  /** SQLite: papers from which the memory index is built (ACCELERATE_MIN_PAPERS; lower in tests) */
  minPapers?: number;
}

/** The lexical index of the open database's dialect (FTS5 on SQLite, tsvector on PostgreSQL). */
export function createLexicalIndex(database: Database, options: LexicalIndexOptions = {}): AppLexicalIndex {
  const weights = options.weights ?? DEFAULT_COLUMN_WEIGHTS;
  if (database.dialect === 'sqlite') {
    if (!database.sqlite) throw new Error('search: the SQLite database has no raw connection');
    return createSqliteAppIndex(database.sqlite, {
      weights,
      file: options.memoryIndexPath ?? null,
      accelerate: options.accelerate !== false,
      minPapers: options.minPapers ?? ACCELERATE_MIN_PAPERS,
    });
  }
  return createPostgresIndex(database.db, weights);
}
