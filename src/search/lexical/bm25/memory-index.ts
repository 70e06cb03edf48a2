import { titleKey } from '../query.js';
import { B, type Bm25Doc, type Bm25Weights, DEFAULT_BM25_WEIGHTS, K1, type RowHit, bm25Idf, termBound } from './formula.js';
import { Cursors, END, type ListData } from './cursors.js';
import { type IndexFileHeader, loadIndex, readIndexHeader, saveIndex } from './file-format.js';
import { Postings, SKIP, grow, sharedInts } from './postings.js';
import { RowIds, TitleTable } from './row-tables.js';
import { Fts5Stemmer, unicode61Tokens } from './fts5-tokens.js';
import { PART_ALIGN, mergeTop, newScratch, topRows } from './top-k.js';
import { Bm25Worker } from './worker.js';

/**
 * An in-memory inverted index that reproduces FTS5's bm25() over the papers_fts (Porter) and
 * papers_fts_exact (unstemmed) tables, so OR queries over a million papers take milliseconds:
 * FTS5 evaluates bm25 row by row through its auxiliary-function API (a docsize lookup per row),
 * which costs seconds when a query word occurs in a third of the corpus.
 *
 * FTS5 stays the transactional index and the fallback (phrases, words that are not one token).
 * Scores are computed with FTS5's formula (sqlite/ext/fts5/fts5_aux.c, fts5Bm25Function):
 *   score(d) = sum over query phrases i of idf_i * f_i(d) * (k1 + 1) / (f_i(d) + k1 * (1 - b + b * |d| / avgdl))
 *   f_i(d)   = sum over the columns c of weight_c * (occurrences of i in column c of d)
 *   idf_i    = log((N - n_i + 0.5) / (n_i + 0.5)), or 1e-6 where that is <= 0
 * with |d| the tokens of all columns of d, avgdl the mean of |d|, k1 = 1.2 and b = 0.75, evaluated in
 * the same order so that scores are equal to the last bit, not just close.
 *
 * Tokens: unicode61 with remove_diacritics 2 (letters, digits and private-use characters, case-folded,
 * Latin diacritics removed), re-implemented in tokens.ts; Porter stems come from FTS5 itself (an
 * in-memory FTS5 table), so the stemmed vocabulary is FTS5's by construction.
 *
 * This file is the index (adding rows, searching, bounds); its parts: the formula (formula.ts), the
 * posting lists (postings.ts), reading them for a query (cursors.ts) and the top-k search over them
 * (top-k.ts), the rows' titles and ids (row-tables.ts), the file (file-format.ts) and the worker
 * thread that searches half of the rows (worker.ts, worker-thread.ts).
 */

/** Columns of a row: title, abstract, authors. */
const COLUMNS = 3;

export interface Bm25State {
  maxRowid: number;
  rows: number;
  tokens: number;
}

export class MemoryBm25Index {
  readonly stemmed = new Postings();
  readonly exact = new Postings();
  /** tokens of each row (all columns), by rowid; 0 for no row */
  len: Int32Array = sharedInts(new Int32Array(0), 1024);
  /** the rows by title key (see rowsWithTitle) */
  titles = new TitleTable();
  /** paper ids by rowid (see idOf) */
  ids = new RowIds();
  private readonly scratch = newScratch();
  /** avgdl the block maxima were computed for (they hold for any lower one); NaN: none yet */
  boundAvgdl = NaN;
  rows = 0;
  tokens = 0;
  maxRowid = 0;
  /** FTS5's own token total when this index was last in step with it (its tokenizer may count a few differently) */
  ftsTokens = NaN;
  /**
   * 1 for each row whose paper changed or was deleted after the row was added (see kill), which no
   * answer holds; null while there is none. Shared with the worker thread, as len is.
   */
  dead: Uint8Array | null = null;
  /** rows marked in dead */
  deadRows = 0;

  /**
   * Leaves row `row` out of every answer from now on (its paper changed, and was added again as a
   * new row, or was deleted). The row stays in the statistics (N, avgdl, document frequencies), as
   * a stale row of a rebuilt-later index always did: its owner rebuilds the index once many are dead.
   */
  kill(row: number): void {
    if (row <= 0 || row > this.maxRowid) return;
    if (!this.dead || this.dead.length <= row) {
      const next = new Uint8Array(new SharedArrayBuffer(Math.max(this.len.length, row + 1, 2 * (this.dead?.length ?? 0))));
      if (this.dead) next.set(this.dead);
      this.dead = next;
    }
    if (this.dead[row] === 1) return;
    this.dead[row] = 1;
    this.deadRows++;
  }

  /** Whether row `row` is in the index and not killed. */
  isLive(row: number): boolean {
    return row > 0 && row <= this.maxRowid && this.len[row] > 0 && !(this.dead && row < this.dead.length && this.dead[row] === 1);
  }

  constructor(
    readonly stemmer: Fts5Stemmer = new Fts5Stemmer(),
    /** the column weights the block maxima are for (searches with others get no block pruning) */
    readonly boundWeights: Bm25Weights = DEFAULT_BM25_WEIGHTS,
  ) {}

  /** Whether idOf knows every row's paper id (each row was added with one). */
  get hasIds(): boolean {
    return this.ids.complete && this.rows > 0;
  }

  /** The paper id of a row of the index (added with its id), else undefined. */
  idOf(rowid: number): string | undefined {
    return this.ids.idOf(rowid, this.maxRowid);
  }

  get state(): Bm25State {
    return { maxRowid: this.maxRowid, rows: this.rows, tokens: this.tokens };
  }

  /** stemmed term of each exact term */
  stemOf: Int32Array = new Int32Array(1024);
  /** addAll's scratch: the exact term of each token of the documents added */
  private tokenTerms: Int32Array = new Int32Array(1 << 16);
  private cntExact: Int32Array = new Int32Array(3 * 1024);
  private cntStem: Int32Array = new Int32Array(3 * 1024);

  /** Adds documents with rowids above every rowid already indexed, in rowid order. */
  addAll(docs: Bm25Doc[]): void {
    // Pass 1: tokens to exact term ids (3 column boundaries per doc), new terms stemmed in one go.
    const bounds = new Int32Array(docs.length * COLUMNS + 1);
    const fresh: string[] = [];
    const freshIds: number[] = [];
    let n = 0;
    const termOf = this.exact.termOf;
    docs.forEach((d, i) => {
      if (d.rowid <= (i ? docs[i - 1].rowid : this.maxRowid)) throw new Error(`search: bm25 index rows must be added in rowid order (${d.rowid})`);
      const texts = [d.title, d.abstract, d.authors];
      for (let c = 0; c < COLUMNS; c++) {
        const toks = unicode61Tokens(texts[c]);
        if (n + toks.length > this.tokenTerms.length) this.tokenTerms = grow(this.tokenTerms, n + toks.length);
        for (const tok of toks) {
          let e = termOf.get(tok);
          if (e === undefined) {
            e = this.exact.id(tok);
            fresh.push(tok);
            freshIds.push(e);
          }
          this.tokenTerms[n++] = e;
        }
        bounds[i * COLUMNS + c + 1] = n;
      }
    });
    this.stemmer.stemAll(fresh);
    if (this.exact.terms > this.stemOf.length) this.stemOf = grow(this.stemOf, this.exact.terms);
    fresh.forEach((tok, j) => (this.stemOf[freshIds[j]] = this.stemmed.id(this.stemmer.stem(tok))));
    if (3 * this.exact.terms > this.cntExact.length) this.cntExact = grow(this.cntExact, 3 * this.exact.terms);
    if (3 * this.stemmed.terms > this.cntStem.length) this.cntStem = grow(this.cntStem, 3 * this.stemmed.terms);
    // Pass 2: per document, counts per column of each exact and each stemmed term.
    const { tokenTerms: ids, stemOf, cntExact: ce, cntStem: cs } = this;
    const touchedE: number[] = [];
    const touchedS: number[] = [];
    const w = this.boundWeights;
    docs.forEach((d, i) => {
      const len = bounds[(i + 1) * COLUMNS] - bounds[i * COLUMNS];
      if (d.rowid >= this.len.length) this.len = sharedInts(this.len, d.rowid + 1);
      this.len[d.rowid] = len;
      for (let c = 0; c < COLUMNS; c++) {
        for (let k = bounds[i * COLUMNS + c]; k < bounds[i * COLUMNS + c + 1]; k++) {
          const e = ids[k];
          if (ce[3 * e] + ce[3 * e + 1] + ce[3 * e + 2] === 0) touchedE.push(e);
          ce[3 * e + c]++;
        }
      }
      for (const e of touchedE) {
        const t = ce[3 * e];
        const a = ce[3 * e + 1];
        const u = ce[3 * e + 2];
        this.exact.add(e, d.rowid, t, a, u);
        this.noteBound(this.exact, e, w.title * t + w.abstract * a + w.authors * u, len);
        ce[3 * e] = ce[3 * e + 1] = ce[3 * e + 2] = 0;
        const s = stemOf[e];
        if (cs[3 * s] + cs[3 * s + 1] + cs[3 * s + 2] === 0) touchedS.push(s);
        cs[3 * s] += t;
        cs[3 * s + 1] += a;
        cs[3 * s + 2] += u;
      }
      for (const s of touchedS) {
        this.stemmed.add(s, d.rowid, cs[3 * s], cs[3 * s + 1], cs[3 * s + 2]);
        this.noteBound(this.stemmed, s, w.title * cs[3 * s] + w.abstract * cs[3 * s + 1] + w.authors * cs[3 * s + 2], len);
        cs[3 * s] = cs[3 * s + 1] = cs[3 * s + 2] = 0;
      }
      touchedE.length = 0;
      touchedS.length = 0;
      this.titles.set(d.rowid, titleKey(d.title));
      this.ids.add(d.rowid, d.id, this.maxRowid);
      this.rows++;
      this.tokens += len;
      this.maxRowid = d.rowid;
    });
    // Longer rows moved avgdl past the one the block maxima hold for (rare: it has 5% room).
    if (this.tokens / this.rows > this.boundAvgdl) this.computeBounds();
  }

  /** Rows whose title has this titleKey hash (candidates: the caller compares the titles), ascending. */
  rowsWithTitleKey(key: string): number[] {
    return this.titles.rowsWithKey(key, this.len);
  }

  /** Rows whose title has this titleKey, by both hashes (see TitleTable), ascending. */
  rowsWithTitle(key: string): number[] {
    const rows = this.titles.rowsWithTitle(key, this.len);
    return this.dead ? rows.filter((r) => this.isLive(r)) : rows;
  }

  /** Drops the slack of growing buffers and sets the block maxima (after a bulk build). */
  trim(): void {
    this.stemmed.trim();
    this.exact.trim();
    this.computeBounds();
  }

  /**
   * Block maxima of every list longer than SKIP, for an avgdl 5% above the current one, so that
   * appended rows rarely move avgdl past it (addAll then recomputes them).
   */
  computeBounds(): void {
    if (this.rows === 0) return;
    this.boundAvgdl = (this.tokens / this.rows) * 1.05;
    for (const p of [this.stemmed, this.exact]) {
      p.blockMax.clear();
      for (let t = 0; t < p.terms; t++) if (p.df[t] > SKIP) p.blockMax.set(t, p.computeBlockMax(t, this.len, this.boundAvgdl, this.boundWeights));
    }
  }

  /** Keeps the block maxima of list t in step with the posting just added (f weighted with the bound weights, D tokens). */
  private noteBound(p: Postings, t: number, f: number, D: number): void {
    const df = p.df[t];
    if (df <= SKIP || !(this.boundAvgdl > 0)) return;
    let bm = p.blockMax.get(t);
    if (!bm) {
      p.blockMax.set(t, p.computeBlockMax(t, this.len, this.boundAvgdl, this.boundWeights));
      return;
    }
    const b = (df - 1) >> 6;
    if (b >= bm.length) {
      const next = new Float32Array(Math.max(8, 2 * b));
      next.set(bm);
      p.blockMax.set(t, (bm = next));
    }
    const g = termBound(f, D, this.boundAvgdl);
    if (g > bm[b]) bm[b] = g;
  }

  /** Bytes held by postings and row lengths. */
  get bytes(): number {
    return this.stemmed.bytes() + this.exact.bytes() + this.len.byteLength;
  }

  /**
   * The top `limit` rows by FTS5 bm25 for `"t1" OR "t2" OR ...`, where each term is one token of the
   * table (`exact`: unstemmed; else stemmed). Equal to `ORDER BY bm25(...) LIMIT limit` of FTS5 up
   * to the order of equal scores (here: lower rowid first).
   *
   * MaxScore over windows of rows: a term adds less than ub = idf * (k1 + 1) to any row
   * (f / (f + K) < 1), so once the k-th best score so far beats the bounds of the commonest terms
   * added up, a row that only they hold cannot make the top k. Window by window in rowid order
   * (WINDOW rows, whose scores fit in cache), the other (essential) lists add their terms into the
   * window's scores, term at a time; then each row with a score, in rowid order, gets the common
   * terms from their lists (probed through skip entries) while its score plus the bounds of the
   * terms left can still reach the k-th best, and enters a heap of the k best. Each window starts
   * with the essential lists that the k-th best score so far leaves.
   */
  search(terms: string[], weights: Bm25Weights, limit: number, exact: boolean): RowHit[] {
    return topRows(this.queryLists(terms, weights, exact), this.len, this.tokens / this.rows, weights, limit, this.scratch, undefined, this.dead ?? undefined);
  }

  /**
   * What search() returns for each of `searches`, on the machine's two cores: this thread searches
   * the lower half of the rows while a worker thread searches the upper half, the two telling each
   * other their k-th best score as they go (RowPart), and each search's two answers are merged.
   * Each half has about half of the postings to read, and the k-th best of either prunes both. The
   * posting lists it reads are in shared memory (see allocBytes); the worker gets views of them, not
   * copies. Without a worker (it failed), or with too few rows to split, it all runs here.
   */
  async searchSplit(searches: readonly { terms: string[]; exact: boolean }[], weights: Bm25Weights, limit: number): Promise<RowHit[][]> {
    const avgdl = this.tokens / this.rows;
    const lists = searches.map((q) => this.queryLists(q.terms, weights, q.exact));
    const dead = this.dead ?? undefined;
    const here = () => lists.map((l) => topRows(l, this.len, avgdl, weights, limit, this.scratch, undefined, dead));
    // The upper half starts at the window boundary nearest the middle row.
    const mid = Math.round((this.maxRowid + 1) / 2 / PART_ALIGN) * PART_ALIGN;
    const worker = lists.some((l) => l.length > 0) && limit > 0 && mid > 0 && mid <= this.maxRowid ? this.worker() : null;
    if (!worker) return here();
    const thetas = lists.map(() => new Int32Array(new SharedArrayBuffer(8)));
    const upper = worker.run({
      searches: lists.map((l, i) => ({ lists: l, part: { lo: mid, hi: END, theta: thetas[i], slot: 1 } })),
      len: this.len,
      dead,
      avgdl,
      weights,
      limit,
    });
    // topRows sorts the lists it is given: this thread's own copies.
    const lower = lists.map((l, i) => topRows([...l], this.len, avgdl, weights, limit, this.scratch, { lo: 0, hi: mid, theta: thetas[i], slot: 0 }, dead));
    try {
      const up = await upper;
      return lower.map((hits, i) => mergeTop(hits, up[i], limit));
    } catch (e) {
      // Stopped by closeWorker (the index was replaced): just answer here. Failed: it is not
      // started again, and this thread answers from now on.
      if (this.pool === worker) {
        process.emitWarning(`search: the bm25 worker thread failed, lexical search runs on one thread: ${(e as Error).message}`);
        this.pool = null;
        void worker.close();
      }
      return here();
    }
  }

  /** undefined: not started yet; null: it failed, and searchSplit runs both halves here */
  private pool: Bm25Worker | null | undefined;

  private worker(): Bm25Worker | null {
    if (this.pool === undefined) this.pool = Bm25Worker.start();
    return this.pool;
  }

  /** Whether searchSplit has a worker thread (started by the first searchSplit). */
  get threaded(): boolean {
    return this.pool != null;
  }

  /** Stops the worker thread; a later searchSplit starts another. */
  async closeWorker(): Promise<void> {
    const w = this.pool;
    if (w) this.pool = undefined;
    await w?.close();
  }

  /**
   * The bm25 of each of `rows` (ascending) for the OR-query of `terms` in one table: FTS5's score of
   * that row, 0 for a row none of the terms is in. Probes the lists through their skip entries, and
   * adds the terms up in topRows' order (rarest first), so a score equals topRows' to the last bit.
   */
  scoreRows(terms: string[], weights: Bm25Weights, rows: readonly number[], exact: boolean): Float64Array {
    const out = new Float64Array(rows.length);
    if (rows.length === 0 || this.rows === 0) return out;
    const lists = this.queryLists(terms, weights, exact).sort((a, b) => b.idf - a.idf);
    if (lists.length === 0) return out;
    const c = new Cursors(lists, weights.title, weights.abstract, weights.authors);
    const avgdl = this.tokens / this.rows;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const D = this.len[r];
      for (let j = 0; j < lists.length; j++) {
        c.advance(j, r);
        if (c.row[j] !== r) continue;
        const f = c.f[j];
        out[i] += lists[j].idf * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + (B * D) / avgdl)));
      }
    }
    return out;
  }

  /**
   * The words of `terms` that the papers have as typed, in fewer than `share` of the papers with
   * their stem (see OVER_STEMMED).
   */
  overStemmed(terms: string[], share: number): string[] {
    return terms.filter((w) => {
      const e = this.exact.termOf.get(w);
      return e !== undefined && this.exact.df[e] < share * this.stemmed.df[this.stemOf[e]];
    });
  }

  /**
   * The idf that search() gives each of `terms` in the stemmed (or exact) table (0 for a word no paper has), as
   * FTS5's bm25 computes it: log((N - n + 0.5) / (n + 0.5)), or 1e-6 where that is <= 0.
   */
  idfOf(terms: readonly string[], exact = false): number[] {
    const p = exact ? this.exact : this.stemmed;
    return terms.map((term) => {
      const t = this.termIn(p, term, exact);
      return t === undefined || p.df[t] === 0 ? 0 : this.idfOfTerm(p, t);
    });
  }

  /** A query word's term number in `p` (the exact table: the word; the stemmed one: its stem). */
  private termIn(p: Postings, term: string, exact: boolean): number | undefined {
    const e = this.exact.termOf.get(term);
    // A word of the papers has had its stem since it was indexed: only other words ask FTS5.
    return exact ? e : e !== undefined ? this.stemOf[e] : p.termOf.get(this.stemmer.stem(term));
  }

  private idfOfTerm(p: Postings, t: number): number {
    return bm25Idf(this.rows, p.df[t]);
  }

  /** The query's posting lists in one table with their idf and upper bounds. */
  queryLists(terms: string[], weights: Bm25Weights, exact: boolean): ListData[] {
    const p = exact ? this.exact : this.stemmed;
    const avgdl = this.tokens / this.rows;
    const w = this.boundWeights;
    // Block maxima hold for the bound weights and any avgdl up to the bound one.
    const bounded = avgdl <= this.boundAvgdl && weights.title === w.title && weights.abstract === w.abstract && weights.authors === w.authors;
    const lists: ListData[] = [];
    for (const term of terms) {
      const t = this.termIn(p, term, exact);
      if (t === undefined) continue;
      const idf = this.idfOfTerm(p, t);
      // f / (f + K) < 1, so a term adds less than idf * (k1 + 1) to any row; the block maxima say how much less.
      const bm = bounded ? p.blockMax.get(t) : undefined;
      let ub = idf * (K1 + 1.0);
      if (bm) {
        let max = 0;
        for (let b = 0, n = p.skipCount(t) + 1; b < n; b++) if (bm[b] > max) max = bm[b];
        ub = idf * max;
      }
      lists.push({ buf: p.bufs[t], end: p.lens[t], skips: p.skips.get(t), skipN: p.skipCount(t), blockMax: bm, idf, ub });
    }
    return lists;
  }

  /** Writes the index to `path` (see file-format.ts); `key` says what database state it reflects. */
  async save(path: string, key: string, feed?: unknown): Promise<void> {
    await saveIndex(this, path, key, feed);
  }

  /** The key and row count of a saved index of the current format, reading only its header; null when there is none. */
  static async readHeader(path: string): Promise<IndexFileHeader | null> {
    return readIndexHeader(path);
  }

  /**
   * Loads a saved index when its key still matches, else null; also null for a file of another
   * format version or one that does not read back whole (its owner builds the index again).
   */
  static async load(path: string, key: string, stemmer?: Fts5Stemmer, boundWeights?: Bm25Weights): Promise<MemoryBm25Index | null> {
    const made: MemoryBm25Index[] = [];
    const out = await loadIndex(path, key, () => made[made.push(new MemoryBm25Index(stemmer, boundWeights)) - 1]);
    // A file that failed to read after its header: the stemmer opened for it is not needed.
    if (!out && !stemmer) for (const m of made) m.stemmer.close();
    return out;
  }
}
