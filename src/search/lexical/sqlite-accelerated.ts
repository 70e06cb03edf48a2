import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MemoryBm25Index } from './bm25/memory-index.js';
import { ACCELERATE_MIN_PAPERS, type SqliteLexicalIndex } from './sqlite-fts5.js';

// The in-memory bm25 index of an FTS5 database (standalone schema: benchmarks and tests): loaded
// from its file or built from FTS5's rows. The app's index is built from the change feed instead
// (feed-index.ts), the same on both dialects.

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
