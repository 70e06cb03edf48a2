import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { MemoryBm25Index } from './bm25/memory-index.js';
import { ACCELERATE_MIN_PAPERS, EXACT_WORD_WEIGHT, SqliteLexicalIndex } from './sqlite-fts5.js';
import type { AppLexicalIndex, ColumnWeights } from './types.js';

// The app's SQLite lexical index: FTS5 answers until the in-memory bm25 index is loaded from its
// file or built in the background, which then answers; a memory index that fell behind the
// database is rebuilt in the background while it keeps answering.

/** At most one rebuild of a stale memory index per this many milliseconds. */
const REBUILD_EVERY_MS = 10 * 60_000;

/**
 * Loads the persisted in-memory bm25 index when it was saved for the rows FTS5 holds now (rows
 * appended since are added on the next query), else builds it from the database, yielding to the
 * event loop between chunks, and saves it. A file of another format version, or one that does not
 * read back whole, is rebuilt (see bm25/file-format.ts).
 */
export async function startMemoryIndex(index: SqliteLexicalIndex, file: string | null, minPapers = ACCELERATE_MIN_PAPERS, rebuild = false): Promise<void> {
  const rows = index.ftsRowCount();
  if (rows < minPapers || rows === 0) return;
  const keyOf = (m: MemoryBm25Index) => `rows=${m.rows}:max=${m.maxRowid}`;
  let m: MemoryBm25Index | null = null;
  if (file && !rebuild) {
    // Saved for fewer rows than FTS5 holds now is fine: the rows appended since are added on use.
    const head = await MemoryBm25Index.readHeader(file);
    if (head && head.rows <= rows) m = await MemoryBm25Index.load(file, head.key, undefined, index.weights);
  }
  if (!m) {
    // Small chunks: requests are served between them.
    m = await index.buildMemoryIndex({ chunk: 1000, yieldEvery: () => new Promise((r) => setImmediate(r)) });
    if (file) {
      const built = m;
      await mkdir(dirname(file), { recursive: true })
        .then(() => built.save(file, keyOf(built)))
        .catch(() => undefined); // a cache: failing to write it only costs a rebuild next start
    }
  }
  index.accelerate(m);
}

export interface SqliteAppOptions {
  weights: ColumnWeights;
  /** the memory index's file; null keeps it in memory only */
  file: string | null;
  /** false answers every query from FTS5 */
  accelerate: boolean;
  /** papers from which the memory index is built */
  minPapers: number;
}

/** The lexical index over the migrations' schema (search_docs, papers_fts, papers_fts_exact) of an open SQLite database. */
export function createSqliteAppIndex(raw: BetterSqlite3.Database, options: SqliteAppOptions): AppLexicalIndex {
  const { weights, file, minPapers } = options;
  // Prepared on first use: the app wires search up before `migrate` may have created the tables.
  let index: SqliteLexicalIndex | null = null;
  let started = options.accelerate === false;
  let rebuilding = false;
  let lastRebuild = 0;
  let background: Promise<void> = Promise.resolve();
  return {
    settled: () => background,
    async search(query, opts) {
      // Papers changed in place: the memory index keeps answering (with their previous text)
      // while it is rebuilt below, rather than FTS5 taking seconds a query at a million papers.
      index ??= new SqliteLexicalIndex(raw, weights, EXACT_WORD_WEIGHT, { layout: 'app', whileStale: 'memory' });
      if (!started) {
        started = true;
        background = startMemoryIndex(index, file, minPapers).catch(() => undefined); // FTS5 keeps answering
      }
      const hits = index.searchSync(query, opts);
      // Deleted or changed papers: the old memory index answers until a fresh one replaces it.
      if (index.stale && !rebuilding && Date.now() - lastRebuild > REBUILD_EVERY_MS) {
        rebuilding = true;
        lastRebuild = Date.now();
        background = startMemoryIndex(index, file, minPapers, true)
          .catch(() => undefined)
          .finally(() => {
            rebuilding = false;
          });
      }
      return hits;
    },
    contentMark() {
      index ??= new SqliteLexicalIndex(raw, weights, EXACT_WORD_WEIGHT, { layout: 'app', whileStale: 'memory' });
      const { rows, tokens } = index.ftsTotals();
      return `${rows}:${tokens}`;
    },
    async scoreBound(query) {
      index ??= new SqliteLexicalIndex(raw, weights, EXACT_WORD_WEIGHT, { layout: 'app', whileStale: 'memory' });
      return index.scoreBoundSync(query);
    },
  };
}
