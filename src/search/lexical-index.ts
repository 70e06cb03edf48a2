import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sql } from 'kysely';
import type { Database } from '../storage/database.js';
import { MemoryBm25Index } from './bm25-memory.js';
import {
  EXACT_WORD_WEIGHT,
  type LexicalHit,
  type LexicalIndex,
  type LexicalSearchOptions,
  type ParsedQuery,
  parseQuery,
  queryArxivId,
  titleKey,
} from './lexical.js';
import { ACCELERATE_MIN_PAPERS, DEFAULT_COLUMN_WEIGHTS, EXACT_MATCH_SCORE, SqliteLexicalIndex, type ColumnWeights } from './sqlite-lexical.js';

/**
 * Loads the persisted in-memory bm25 index when it was saved for the rows FTS5 holds now (rows
 * appended since are added on the next query), else builds it from the database, yielding to the
 * event loop between chunks, and saves it.
 */
/** At most one rebuild of a stale memory index per this many milliseconds. */
const REBUILD_EVERY_MS = 10 * 60_000;

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

export { EXACT_MATCH_SCORE };

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

/** A LexicalIndex whose background work (the SQLite memory index's build) can be waited for. */
export interface AppLexicalIndex extends LexicalIndex {
  /** Settles when the memory index build or rebuild running now has finished (or failed). */
  settled(): Promise<void>;
}

/** The lexical index of the open database's dialect (FTS5 on SQLite, tsvector on PostgreSQL). */
export function createLexicalIndex(database: Database, options: LexicalIndexOptions = {}): AppLexicalIndex {
  const weights = options.weights ?? DEFAULT_COLUMN_WEIGHTS;
  if (database.dialect === 'sqlite') {
    if (!database.sqlite) throw new Error('search: the SQLite database has no raw connection');
    const raw = database.sqlite;
    const file = options.memoryIndexPath ?? null;
    const minPapers = options.minPapers ?? ACCELERATE_MIN_PAPERS;
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
      async scoreBound(query) {
        index ??= new SqliteLexicalIndex(raw, weights, EXACT_WORD_WEIGHT, { layout: 'app', whileStale: 'memory' });
        return index.scoreBoundSync(query);
      },
    };
  }
  const { db } = database;
  const ranked = async (parsed: ParsedQuery, limit: number) => {
    // websearch_to_tsquery never fails on user text; we still hand it only words and quoted
    // phrases we built, OR-ed for ranking and with every phrase required.
    const any = [...parsed.phrases.map((p) => `"${p.join(' ')}"`), ...parsed.terms].join(' or ');
    if (!any) return [];
    const phrases = parsed.phrases.map((p) => `"${p.join(' ')}"`).join(' ');
    // ts_rank weights are {D, C, B, A}: title (A) over abstract (B) over authors (C).
    const w = `{0, ${weights.authors / weights.title}, ${weights.abstract / weights.title}, 1}`;
    const r = await sql<{ id: string; rank: number }>`
      SELECT id, ts_rank_cd(${w}::float4[], search_vector, q, 1) AS rank
        FROM papers, websearch_to_tsquery('english', ${any}) AS q
       WHERE search_vector @@ q
         AND (${phrases} = '' OR search_vector @@ websearch_to_tsquery('english', ${phrases}))
       ORDER BY rank DESC, id LIMIT ${limit}`.execute(db);
    return r.rows.map((x) => ({ id: x.id, score: Number(x.rank) }));
  };

  async function exactMatches(query: string): Promise<string[]> {
    const id = queryArxivId(query);
    if (id) {
      const row = await db.selectFrom('papers').select('id').where('id', '=', id).executeTakeFirst();
      return row ? [row.id] : [];
    }
    const key = titleKey(query);
    if (!key || query.length > 400) return [];
    const parsed = { phrases: [key.split(' ')], terms: [] };
    const candidates = await ranked(parsed.phrases[0].length > 1 ? parsed : { phrases: [], terms: [key] }, 20);
    if (!candidates.length) return [];
    const rows = await db.selectFrom('papers').select(['id', 'title']).where('id', 'in', candidates.map((c) => c.id)).execute();
    return rows.filter((r) => titleKey(r.title) === key).map((r) => r.id);
  }

  return {
    settled: async () => undefined,
    async search(query: string, options: LexicalSearchOptions): Promise<LexicalHit[]> {
      const exact = await exactMatches(query);
      const hits: LexicalHit[] = exact.map((id) => ({ id, score: EXACT_MATCH_SCORE }));
      const seen = new Set(exact);
      for (const h of await ranked(parseQuery(query), options.limit + exact.length)) {
        if (!seen.has(h.id)) hits.push(h);
      }
      return hits.slice(0, options.limit);
    },
  };
}
