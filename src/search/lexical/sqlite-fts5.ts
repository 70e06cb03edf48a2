import type Database from 'better-sqlite3';
import { type Bm25Doc, K1, type RowHit, bm25Idf } from './bm25/formula.js';
import { MemoryBm25Index } from './bm25/memory-index.js';
import { unicode61Tokens } from './bm25/fts5-tokens.js';
import { type ParsedQuery, parseQuery, queryArxivId, titleKey } from './query.js';
import {
  type ColumnWeights,
  DEFAULT_COLUMN_WEIGHTS,
  EXACT_MATCH_SCORE,
  type LexicalHit,
  type LexicalIndex,
  type LexicalSearchOptions,
  byScoreThenId,
} from './types.js';

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

/** Weight of the unstemmed index's bm25 against the Porter-stemmed one (SQLite; tuned on SciFact train). */
export const EXACT_WORD_WEIGHT = 0.5;

/**
 * A query word is over-stemmed when the papers with it as typed are fewer than this share of the
 * papers with its Porter stem ("generalization" among "gener": generation, general, generate...):
 * the stemmed ranking can fill its top rows with the other words, so the papers with the typed
 * word are searched for too (SQLite's lexical index).
 */
export const OVER_STEMMED = 0.5;

/**
 * Where the FTS5 rows' text and paper ids live: `standalone` is createStandaloneSchema's
 * `papers(rowid, arxiv_id, ...)` (benchmarks, unit tests); `app` is the migrations' schema, where
 * `search_docs(doc_id, paper_id)` gives each paper its FTS5 rowid.
 */
export type SqliteLayout = 'standalone' | 'app';

const LAYOUTS: Record<SqliteLayout, { docs: string; join: (fts: string) => string; rowid: string; id: string; idCol: string }> = {
  standalone: { docs: 'papers p', join: (fts) => `JOIN papers p ON p.rowid = ${fts}.rowid`, rowid: 'p.rowid', id: 'p.arxiv_id', idCol: 'arxiv_id' },
  app: {
    docs: 'search_docs d JOIN papers p ON p.id = d.paper_id',
    join: (fts) => `JOIN search_docs d ON d.doc_id = ${fts}.rowid JOIN papers p ON p.id = d.paper_id`,
    rowid: 'd.doc_id',
    id: 'd.paper_id',
    idCol: 'id',
  },
};

/** Up to this many rows, FTS5 scores rows one by one; above, it scores every match once (see ofManyRows). */
const FEW_ROWS = 8;

/** Below this many papers FTS5 answers in milliseconds and the in-memory index is not worth its memory. */
export const ACCELERATE_MIN_PAPERS = 50_000;

export interface SqliteLexicalOptions {
  layout?: SqliteLayout;
  /**
   * What answers once the memory index has missed a change in place (see current()): 'fts5'
   * (exact, and the default) or 'memory', the memory index as it was, while its owner rebuilds
   * it. At a million papers FTS5 takes up to seconds per query (it scores row by row), on the
   * thread that serves every request, for the minutes a rebuild takes.
   */
  whileStale?: 'fts5' | 'memory';
}

/**
 * FTS5 lexical index over `papers_fts` (Porter) and `papers_fts_exact` (unstemmed). The one
 * implementation behind the app (createLexicalIndex) and the benchmarks.
 *
 * With an attached MemoryBm25Index (accelerate()), OR-queries of plain words are answered from
 * memory with the same bm25 scores; phrases, words that are not one FTS5 token and an index that
 * is behind the database (rows changed in place or deleted) go to FTS5.
 */
export class SqliteLexicalIndex implements LexicalIndex {
  private readonly byRank: Database.Statement;
  private readonly byRankExact: Database.Statement;
  private readonly stemmedOfRows: Database.Statement;
  private readonly exactOfRows: Database.Statement;
  private readonly stemmedOfManyRows: Database.Statement;
  private readonly exactOfManyRows: Database.Statement;
  private readonly byTitle: Database.Statement;
  private readonly byId: Database.Statement;
  private readonly idsOf: Database.Statement;
  private readonly titlesOf: Database.Statement;
  private readonly newRows: Database.Statement;
  private readonly ftsCounts: Database.Statement;
  private readonly stemmedDf: Database.Statement;
  private readonly exactDf: Database.Statement;
  private memory: MemoryBm25Index | null = null;
  readonly layout: SqliteLayout;
  readonly whileStale: 'fts5' | 'memory';

  constructor(
    db: Database.Database,
    readonly weights: ColumnWeights = DEFAULT_COLUMN_WEIGHTS,
    private readonly exactWeight = EXACT_WORD_WEIGHT,
    options: SqliteLexicalOptions = {},
  ) {
    this.layout = options.layout ?? 'standalone';
    this.whileStale = options.whileStale ?? 'fts5';
    const L = LAYOUTS[this.layout];
    const join = (fts: string) => `FROM ${fts} ${L.join(fts)}`;
    const ranked = (fts: string) => `SELECT rowid, bm25(${fts}, ?, ?, ?) AS rank FROM ${fts} WHERE ${fts} MATCH ? ORDER BY rank LIMIT ?`;
    const ofRows = (fts: string) =>
      `SELECT rowid, bm25(${fts}, ?, ?, ?) AS rank FROM ${fts} WHERE ${fts} MATCH ? AND rowid IN (SELECT value FROM json_each(?))`;
    this.byRank = db.prepare(ranked('papers_fts'));
    this.byRankExact = db.prepare(ranked('papers_fts_exact'));
    this.stemmedOfRows = db.prepare(ofRows('papers_fts'));
    this.exactOfRows = db.prepare(ofRows('papers_fts_exact'));
    // For more rows: FTS5 scores each row of `rowid IN (...)` in a query of its own, counting the
    // words' rows again each time (28 ms a row for four common words at a million papers); scoring
    // every match once and keeping the rows asked for costs what one ranked search does (1.0 s for
    // 100 rows, against 2.9 s). The subquery's LIMIT keeps SQLite from moving the rowid test
    // into FTS5.
    const ofManyRows = (fts: string) =>
      `SELECT r AS rowid, s AS rank FROM (SELECT rowid AS r, bm25(${fts}, ?, ?, ?) AS s FROM ${fts} WHERE ${fts} MATCH ? LIMIT -1 OFFSET 0) WHERE r IN (SELECT value FROM json_each(?))`;
    this.stemmedOfManyRows = db.prepare(ofManyRows('papers_fts'));
    this.exactOfManyRows = db.prepare(ofManyRows('papers_fts_exact'));
    this.byTitle = db.prepare(`SELECT ${L.id} AS id, p.title AS title ${join('papers_fts')} WHERE papers_fts MATCH ? LIMIT 50`);
    this.byId = db.prepare(`SELECT ${L.idCol} AS id FROM papers WHERE ${L.idCol} = ?`);
    this.idsOf = db.prepare(`SELECT ${L.rowid} AS rowid, ${L.id} AS id FROM ${L.docs} WHERE ${L.rowid} IN (SELECT value FROM json_each(?))`);
    this.titlesOf = db.prepare(`SELECT ${L.id} AS id, p.title AS title FROM ${L.docs} WHERE ${L.rowid} IN (SELECT value FROM json_each(?))`);
    this.newRows = db.prepare(
      `SELECT ${L.rowid} AS rowid, ${L.id} AS id, p.title AS title, p.abstract AS abstract, p.authors AS authors FROM ${L.docs} WHERE ${L.rowid} > ? ORDER BY ${L.rowid} LIMIT ?`,
    );
    // FTS5's own record of its row count (the "averages" record, id 1 of the %_data table).
    this.ftsCounts = db.prepare(`SELECT block FROM papers_fts_data WHERE id = 1`).pluck();
    // Rows with a word (FTS5 keeps no document frequencies: it counts them, as its bm25 does).
    this.stemmedDf = db.prepare(`SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?`).pluck();
    this.exactDf = db.prepare(`SELECT count(*) FROM papers_fts_exact WHERE papers_fts_exact MATCH ?`).pluck();
  }

  /** Number of rows FTS5 holds (from its averages record; no scan). */
  ftsRowCount(): number {
    return this.ftsTotals().rows;
  }

  /** FTS5's row count and token count over all columns, from its averages record (no scan). */
  ftsTotals(): { rows: number; tokens: number } {
    const block = this.ftsCounts.get() as Uint8Array | undefined;
    if (!block) return { rows: 0, tokens: 0 };
    const out = { rows: 0, tokens: 0 };
    let at = 0;
    for (let i = 0; at < block.length; i++) {
      const [v, next] = readVarint(block, at);
      if (i === 0) out.rows = v;
      else out.tokens += v;
      at = next;
    }
    return out;
  }

  /** True once the attached memory index has missed a change it cannot follow: rebuild it. */
  stale = false;

  /** Builds the in-memory index from the database (in chunks, yielding between them). */
  async buildMemoryIndex(opts: { chunk?: number; yieldEvery?: () => Promise<void> } = {}): Promise<MemoryBm25Index> {
    const index = new MemoryBm25Index(undefined, this.weights);
    await this.catchUp(index, opts.chunk ?? 5000, opts.yieldEvery);
    index.trim();
    // FTS5's token count when the index was in step; NaN (never in step) if rows changed meanwhile.
    const fts = this.ftsTotals();
    index.ftsTokens = fts.rows === index.rows ? fts.tokens : NaN;
    return index;
  }

  private async catchUp(index: MemoryBm25Index, chunk: number, yieldEvery?: () => Promise<void>): Promise<void> {
    for (;;) {
      const rows = this.newRows.all(index.maxRowid, chunk) as Bm25Doc[];
      if (!rows.length) return;
      index.addAll(rows);
      if (yieldEvery) await yieldEvery();
    }
  }

  /** Answers from `index` from now on while it is in step with FTS5 (null: FTS5 only). */
  accelerate(index: MemoryBm25Index | null): void {
    // The replaced index's worker thread (searchSplit) would idle on; a search still waiting on it
    // finishes on this thread.
    if (this.memory && this.memory !== index) void this.memory.closeWorker();
    this.memory = index;
    this.stale = false;
  }

  get memoryIndex(): MemoryBm25Index | null {
    return this.memory;
  }

  /**
   * The attached in-memory index when it agrees with FTS5, after adding rows appended since;
   * after deletes or changes in place, which only a rebuild follows, `stale` is set and null is
   * returned (FTS5 answers), or with whileStale 'memory' the index as it is, still given the rows
   * appended since: changed papers rank by their previous text and deleted ones drop out of the
   * answers (their rows have no paper any more) until the rebuilt index is attached. A change is
   * seen in FTS5's row and token counts: one that keeps both (a title fix of the same length) goes
   * unseen until the next rebuild.
   */
  private current(): MemoryBm25Index | null {
    const m = this.memory;
    if (!m) return null;
    if (this.stale) return this.whileStale === 'memory' ? this.appended(m) : null;
    const fts = this.ftsTotals();
    if (fts.rows === m.rows && fts.tokens === m.ftsTokens) return m;
    if (fts.rows > m.rows) {
      const tokens = m.tokens;
      const added = this.newRows.all(m.maxRowid, fts.rows - m.rows) as Bm25Doc[];
      if (added.length) m.addAll(added);
      // Appends only: FTS5 counted as many new tokens as the memory index did.
      if (fts.rows === m.rows && fts.tokens - m.ftsTokens === m.tokens - tokens) {
        m.ftsTokens = fts.tokens;
        return m;
      }
    }
    this.stale = true;
    return this.whileStale === 'memory' ? this.appended(m) : null;
  }

  /** `m` given the rows appended to FTS5 after its last row (the counts no longer tell how many). */
  private appended(m: MemoryBm25Index): MemoryBm25Index {
    for (;;) {
      const added = this.newRows.all(m.maxRowid, 1000) as Bm25Doc[];
      if (!added.length) return m;
      m.addAll(added);
    }
  }

  searchSync(query: string, options: LexicalSearchOptions): LexicalHit[] {
    const plan = this.plan(query, options);
    if (Array.isArray(plan)) return plan;
    return this.finish(plan, this.topRowsHere(plan));
  }

  /** As searchSync; with the memory index, its searches run on two threads (searchSplit). */
  async search(query: string, options: LexicalSearchOptions): Promise<LexicalHit[]> {
    const plan = this.plan(query, options);
    if (Array.isArray(plan)) return plan;
    const m = plan.memory;
    if (!m) return this.finish(plan, this.topRowsHere(plan));
    const [stemmed, exact = []] = await m.searchSplit(this.memorySearches(plan), this.weights, plan.n);
    return this.finish(plan, [stemmed, exact]);
  }

  /**
   * The most a paper can score for `query`: each word and phrase adds at most idf * (k1 + 1) to a
   * table's bm25, however often a paper repeats it, and a paper's score is the stemmed table's bm25
   * of the query plus exactWeight times the exact table's (see finish). Hybrid ranking divides lexical scores by it, so that a query whose words
   * only a few papers match weakly gives the lexical side less say than one that a paper matches
   * word for word (min-max over the hits would put both top hits at 1). Document frequencies come
   * from the memory index when it has them, else from FTS5.
   */
  scoreBoundSync(query: string): number {
    const parsed = parseQuery(query);
    const rows = this.ftsRowCount();
    if (rows === 0) return 0;
    const m = this.memory;
    const plain = parsed.terms.filter((t) => unicode61Tokens(t).length === 1);
    const { terms, phrases } = parsed;
    const tableSum = (exact: boolean): number => {
      const known = new Map<string, number>();
      if (m) m.idfOf(plain, exact).forEach((v, i) => known.set(plain[i], v));
      const df = exact ? this.exactDf : this.stemmedDf;
      const idf = (match: string | null, term?: string): number => {
        if (term !== undefined && known.has(term)) return known.get(term)!;
        if (match === null) return 0;
        const n = df.get(match) as number;
        return n === 0 ? 0 : bm25Idf(rows, n);
      };
      let sum = 0;
      for (const t of terms) sum += idf(toFts5Query({ phrases: [], terms: [t] }), t);
      // A phrase is in the MATCH expression twice when there are words too (see toFts5Query).
      const times = terms.length > 0 ? 2 : 1;
      for (const p of phrases) sum += times * idf(toFts5Query({ phrases: [p], terms: [] }));
      return sum;
    };
    const sum = tableSum(false) + (this.exactWeight > 0 ? this.exactWeight * tableSum(true) : 0);
    return sum * (K1 + 1);
  }

  async scoreBound(query: string): Promise<number> {
    return this.scoreBoundSync(query);
  }

  /** The memory index's searches for a plain-word query: the stemmed one, and the exact one of the over-stemmed words. */
  private memorySearches(plan: SearchPlan): { terms: string[]; exact: boolean }[] {
    const over = this.overStemmed(plan);
    return [{ terms: plan.terms, exact: false }, ...(over.length ? [{ terms: over, exact: true }] : [])];
  }

  /**
   * The query words whose papers the stemmed ranking may miss (see OVER_STEMMED): from the memory
   * index's document frequencies, or counted by FTS5. None without exact scores.
   */
  private overStemmed(plan: SearchPlan): string[] {
    if (this.exactWeight <= 0) return [];
    // The memory index knows them also when FTS5 answers the query (a word of several tokens):
    // FTS5 counts rows one by one, seconds for a query of common words at a million papers.
    if (plan.dfIndex) return plan.dfIndex.overStemmed(plan.terms, OVER_STEMMED);
    return plan.terms.filter((w) => {
      const q = toFts5Query({ phrases: [], terms: [w] });
      const e = this.exactDf.get(q) as number;
      return e > 0 && e < OVER_STEMMED * (this.stemmedDf.get(q) as number);
    });
  }

  /**
   * On this thread, from the memory index or FTS5: the stemmed table's top rows, and the exact
   * table's for the over-stemmed words (for a query with phrases, which only FTS5 answers: for
   * the whole query).
   */
  private topRowsHere(plan: SearchPlan): [RowHit[], RowHit[]] {
    const m = plan.memory;
    if (m) {
      const [stemmed, exact = []] = this.memorySearches(plan).map((q) => m.search(q.terms, this.weights, plan.n, q.exact));
      return [stemmed, exact];
    }
    const over = plan.phrases ? [] : this.overStemmed(plan);
    const w = [this.weights.title, this.weights.abstract, this.weights.authors];
    const rows = (s: Database.Statement, match: string) =>
      (s.all(...w, match, plan.n) as { rowid: number; rank: number }[]).map((r) => ({ rowid: r.rowid, score: -r.rank }));
    const exactMatch = plan.phrases ? plan.match : over.length ? toFts5Query({ phrases: [], terms: over }) : null;
    return [rows(this.byRank, plan.match), this.exactWeight > 0 && exactMatch ? rows(this.byRankExact, exactMatch) : []];
  }

  /**
   * The bm25 in one table of `rows` (ascending): from the memory index's lists, or from FTS5 for
   * just those rows. A row none of the words is in gets 0.
   */
  private scoresOf(plan: SearchPlan, rows: number[], exact: boolean): Map<number, number> {
    const out = new Map<number, number>();
    if (rows.length === 0) return out;
    const w = this.weights;
    if (plan.memory) {
      const scores = plan.memory.scoreRows(plan.terms, w, rows, exact);
      rows.forEach((r, i) => out.set(r, scores[i]));
    } else {
      const many = rows.length > FEW_ROWS;
      const st = exact ? (many ? this.exactOfManyRows : this.exactOfRows) : many ? this.stemmedOfManyRows : this.stemmedOfRows;
      for (const r of st.all(w.title, w.abstract, w.authors, plan.match, JSON.stringify(rows)) as { rowid: number; rank: number }[]) out.set(r.rowid, -r.rank);
    }
    return out;
  }

  /**
   * The paper id of each of `rows`: from the memory index while it is in step with FTS5 (no SQL),
   * else from the database, where the rows of deleted papers have none (a stale memory index still
   * holds them).
   */
  private idsOfRows(plan: SearchPlan, rows: number[]): (row: number) => string | undefined {
    const m = this.withIds(plan.memory);
    if (m) return (r) => m.idOf(r);
    const ids = new Map((this.idsOf.all(JSON.stringify(rows)) as { rowid: number; id: string }[]).map((r) => [r.rowid, r.id]));
    return (r) => ids.get(r);
  }

  /** `m` when its rows' paper ids can be taken from it: it keeps them and is in step with FTS5. */
  private withIds(m: MemoryBm25Index | null): MemoryBm25Index | null {
    return m?.hasIds && !this.stale ? m : null;
  }

  /** Exact id and title matches; the finished answer when there is nothing to rank. */
  private plan(query: string, options: LexicalSearchOptions): LexicalHit[] | SearchPlan {
    const parsed = parseQuery(query);
    const match = toFts5Query(parsed);
    const memory = this.current();
    const hits: LexicalHit[] = [];
    const exact = new Set<string>();
    const id = queryArxivId(query);
    if (id) {
      const row = this.byId.get(id) as { id: string } | undefined;
      if (row) exact.add(row.id);
    }
    const allWords = [...parsed.phrases.flat(), ...parsed.terms];
    if (!id && allWords.length > 0 && query.length <= 400) {
      const key = titleKey(query);
      // From the memory index's two title hashes and ids when it is in step (no SQL), else the
      // titles of its candidate rows, or FTS5's, compared here.
      const ided = this.withIds(memory);
      const rows = ided?.rowsWithTitle(key);
      if (ided && rows) {
        for (const r of rows) {
          const id = ided.idOf(r);
          if (id !== undefined) exact.add(id);
        }
      } else {
        const titled = memory
          ? (this.titlesOf.all(JSON.stringify(memory.rowsWithTitleKey(key))) as { id: string; title: string }[])
          : (this.byTitle.all(`title : "${key}"`) as { id: string; title: string }[]);
        for (const r of titled) if (titleKey(r.title) === key) exact.add(r.id);
      }
    }
    for (const e of exact) hits.push({ id: e, score: EXACT_MATCH_SCORE });
    if (match === null) return hits.slice(0, options.limit);
    const n = options.limit + exact.size;
    // Plain words that FTS5 reads as one token each: the in-memory index has their postings.
    const tokens = parsed.terms.map(unicode61Tokens);
    const plain = parsed.phrases.length === 0 && tokens.every((t) => t.length === 1);
    return {
      hits,
      exact,
      match,
      n,
      limit: options.limit,
      memory: memory && plain ? memory : null,
      dfIndex: memory,
      phrases: parsed.phrases.length > 0,
      // The plain words that are one token each (a word like "covid-19" is a phrase of tokens).
      terms: tokens.filter((t) => t.length === 1).map((t) => t[0]),
    };
  }

  /**
   * Ranks the union of the stemmed table's top rows and the exact table's (see topRowsHere) by
   * stemmed bm25 + exactWeight * exact bm25, each row with both its scores: those its own search
   * did not give are looked up (the exact table's top rows of the over-stemmed words are scored for
   * those words only, so every row gets its exact score here).
   */
  private finish(plan: SearchPlan, [stemmed, exactRows]: readonly [RowHit[], RowHit[]]): LexicalHit[] {
    const { hits, exact } = plan;
    const sScore = new Map(stemmed.map((h) => [h.rowid, h.score]));
    let eScore = new Map<number, number>();
    if (this.exactWeight > 0) {
      for (const [r, v] of this.scoresOf(plan, rowsMissing(sScore, exactRows), false)) sScore.set(r, v);
      eScore = this.scoresOf(
        plan,
        [...sScore.keys()].sort((a, b) => a - b),
        true,
      );
    }
    const rowids = [...sScore.keys()];
    const idOf = this.idsOfRows(plan, rowids);
    const ranked: LexicalHit[] = [];
    for (const r of rowids) {
      const id = idOf(r);
      if (id !== undefined && !exact.has(id)) ranked.push({ id, score: sScore.get(r)! + this.exactWeight * (eScore.get(r) ?? 0) });
    }
    ranked.sort(byScoreThenId);
    for (const h of ranked) hits.push(h);
    return hits.slice(0, plan.limit);
  }
}

/** The rows of `from` that `have` lacks, ascending (those whose score in the other table is looked up). */
export function rowsMissing(have: { has(row: number): boolean }, from: readonly RowHit[]): number[] {
  return from
    .map((h) => h.rowid)
    .filter((r) => !have.has(r))
    .sort((a, b) => a - b);
}

interface SearchPlan {
  /** exact id and title matches, first */
  hits: LexicalHit[];
  exact: Set<string>;
  match: string;
  /** how many ranked hits to ask for */
  n: number;
  limit: number;
  /** the memory index, when it can answer this query */
  memory: MemoryBm25Index | null;
  /** the memory index when one is attached, also for queries only FTS5 answers (its word counts) */
  dfIndex: MemoryBm25Index | null;
  /** whether the query has quoted phrases */
  phrases: boolean;
  /** the query's plain words that are one FTS5 token each */
  terms: string[];
}

/** An SQLite varint (as FTS5 writes them): big-endian groups of 7 bits, the 9th byte whole. */
function readVarint(b: Uint8Array, at: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const x = b[at + i];
    v = v * 128 + (x & 0x7f);
    if (!(x & 0x80)) return [v, at + i + 1];
  }
  return [v * 256 + b[at + 8], at + 9];
}

/** Creates the papers table and its FTS5 index in a bare database (benchmarks and unit tests). */
export function createStandaloneSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS papers (
      rowid INTEGER PRIMARY KEY, arxiv_id TEXT NOT NULL UNIQUE,
      title TEXT NOT NULL, abstract TEXT NOT NULL, authors TEXT NOT NULL DEFAULT '');
    CREATE VIRTUAL TABLE IF NOT EXISTS papers_fts USING fts5(
      title, abstract, authors, content='papers', content_rowid='rowid',
      tokenize='porter unicode61 remove_diacritics 2');
    CREATE VIRTUAL TABLE IF NOT EXISTS papers_fts_exact USING fts5(
      title, abstract, authors, content='papers', content_rowid='rowid',
      tokenize='unicode61 remove_diacritics 2');
    CREATE TRIGGER IF NOT EXISTS papers_fts_ai AFTER INSERT ON papers BEGIN
      INSERT INTO papers_fts(rowid, title, abstract, authors) VALUES (new.rowid, new.title, new.abstract, new.authors);
      INSERT INTO papers_fts_exact(rowid, title, abstract, authors) VALUES (new.rowid, new.title, new.abstract, new.authors);
    END;
    CREATE TRIGGER IF NOT EXISTS papers_fts_ad AFTER DELETE ON papers BEGIN
      INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors) VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
      INSERT INTO papers_fts_exact(papers_fts_exact, rowid, title, abstract, authors) VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
    END;
    CREATE TRIGGER IF NOT EXISTS papers_fts_au AFTER UPDATE ON papers BEGIN
      INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors) VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
      INSERT INTO papers_fts_exact(papers_fts_exact, rowid, title, abstract, authors) VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
      INSERT INTO papers_fts(rowid, title, abstract, authors) VALUES (new.rowid, new.title, new.abstract, new.authors);
      INSERT INTO papers_fts_exact(rowid, title, abstract, authors) VALUES (new.rowid, new.title, new.abstract, new.authors);
    END;`);
}
