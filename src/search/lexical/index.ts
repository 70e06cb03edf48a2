import type { Database } from '../../storage/database.js';
import { createFeedLexicalIndex } from './feed-index.js';
import { createPostgresIndex } from './postgres-tsvector.js';
import { EXACT_WORD_WEIGHT, SqliteLexicalIndex } from './sqlite-fts5.js';
import { type AppLexicalIndex, DEFAULT_COLUMN_WEIGHTS, type ColumnWeights, type LexicalIndex } from './types.js';

// The lexical engine's one door: createLexicalIndex gives the open database its index: the
// in-memory bm25 index of the papers' change feed (feed-index.ts, bm25/), the same on both
// dialects, with FTS5 (SQLite, sqlite-fts5.ts) or tsvector (PostgreSQL, postgres-tsvector.ts)
// answering phrases and while the memory index is missing, behind the LexicalIndex interface;
// what code outside the engine needs of it is exported here too. Nothing above this folder touches
// a raw database handle for search.

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
   * File for the persisted in-memory bm25 index (DATA_DIR/models/lexical.bm25), loaded and caught
   * up from the change feed on first use, or built from the papers when missing; null keeps it in
   * memory only.
   */
  memoryIndexPath?: string | null;
  /**
   * A saved index loaded (never written) when memoryIndexPath holds no usable one, then caught up
   * and saved to memoryIndexPath: `paperboy import`'s file, for a process that joins with an empty
   * DATA_DIR (LEXICAL_INDEX_SEED).
   */
  memoryIndexSeed?: string | null;
  /** false answers every query from the fallback (FTS5 on SQLite, tsvector on PostgreSQL) */
  accelerate?: boolean;
  /** killed rows (changed or deleted papers) from which the memory index is rebuilt; lower in tests */
  rebuildDeadMin?: number;
}

/** The lexical index of the open database: the change feed's memory index, FTS5 or tsvector meanwhile. */
export function createLexicalIndex(database: Database, options: LexicalIndexOptions = {}): AppLexicalIndex {
  const weights = options.weights ?? DEFAULT_COLUMN_WEIGHTS;
  const fallback = fallbackIndex(database, weights);
  if (options.accelerate === false) return { ...fallback, settled: async () => undefined };
  return createFeedLexicalIndex(database, {
    weights,
    file: options.memoryIndexPath ?? null,
    seed: options.memoryIndexSeed ?? null,
    fallback,
    rebuildDeadMin: options.rebuildDeadMin,
  });
}

/** FTS5 on SQLite, tsvector on PostgreSQL. */
function fallbackIndex(database: Database, weights: ColumnWeights): LexicalIndex {
  if (database.dialect !== 'sqlite') return createPostgresIndex(database.db, weights);
  const raw = database.sqlite;
  if (!raw) throw new Error('search: the SQLite database has no raw connection');
  // Prepared on first use: the app wires search up before `migrate` may have created the tables.
  let index: SqliteLexicalIndex | null = null;
  const fts = () => (index ??= new SqliteLexicalIndex(raw, weights, EXACT_WORD_WEIGHT, { layout: 'app' }));
  return {
    search: (query, opts) => fts().search(query, opts),
    scoreBound: async (query) => fts().scoreBoundSync(query),
    contentMark() {
      const { rows, tokens } = fts().ftsTotals();
      return `${rows}:${tokens}`;
    },
  };
}

export { refreshFeedIndexFile } from './feed-index.js';
