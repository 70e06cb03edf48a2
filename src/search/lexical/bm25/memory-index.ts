import BetterSqlite3 from 'better-sqlite3';
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import { titleKey } from '../query.js';
import { DEFAULT_COLUMN_WEIGHTS } from '../types.js';
import { Worker } from 'node:worker_threads';
import type { Bm25Answer, Bm25Job } from './worker-thread.js';

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
 * Latin diacritics removed), re-implemented here; Porter stems come from FTS5 itself (an in-memory
 * FTS5 table), so the stemmed vocabulary is FTS5's by construction.
 */

export const K1 = 1.2;

/** FTS5's bm25 idf of a phrase found in `n` of `rows` rows: log((N - n + 0.5) / (n + 0.5)), or 1e-6 where that is <= 0. */
export function bm25Idf(rows: number, n: number): number {
  const idf = Math.log((rows - n + 0.5) / (n + 0.5));
  return idf <= 0.0 ? 1e-6 : idf;
}
const B = 0.75;
const COLUMNS = 3;

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

const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;
const ASCII = /^[\x00-\x7f]*$/;

/** FTS5 unicode61 (remove_diacritics 2) tokens of `text`, in order. */
export function unicode61Tokens(text: string): string[] {
  const out = text.toLowerCase().match(TOKEN) ?? [];
  for (let i = 0; i < out.length; i++) {
    const t = out[i];
    if (!ASCII.test(t)) out[i] = t.normalize('NFD').replace(/\p{Mn}+/gu, '').normalize('NFC');
  }
  return out;
}

const MAX_CACHED_STEMS = 2_000_000;

/** Porter stems exactly as FTS5's porter tokenizer makes them, from an in-memory FTS5 table, cached. */
export class Fts5Stemmer {
  private readonly db = new BetterSqlite3(':memory:');
  private readonly cache = new Map<string, string>();
  private readonly insert: BetterSqlite3.Statement;
  private readonly read: BetterSqlite3.Statement;
  private readonly clear: BetterSqlite3.Statement;

  constructor() {
    // Contentless, so that 'delete-all' empties the index: after `DELETE FROM s` the segments of
    // the words stemmed while building an index stayed, and every later fts5vocab read walked them
    // (a query's new words then took 2.9 ms to stem at 200k papers, now 0.6 ms).
    this.db.exec(`CREATE VIRTUAL TABLE s USING fts5(w, content = '', tokenize = 'porter unicode61 remove_diacritics 2');
                  CREATE VIRTUAL TABLE si USING fts5vocab(s, instance);`);
    this.insert = this.db.prepare('INSERT INTO s (rowid, w) VALUES (?, ?)');
    this.read = this.db.prepare('SELECT doc, term FROM si').raw();
    this.clear = this.db.prepare(`INSERT INTO s (s) VALUES ('delete-all')`);
  }

  /** Stems of words that are single unicode61 tokens; one FTS5 round trip for all new ones. */
  stemAll(words: Iterable<string>): void {
    const fresh = [...new Set([...words].filter((w) => !this.cache.has(w)))];
    if (!fresh.length) return;
    // Query words are user input: keep the cache bounded (it is only a cache).
    if (this.cache.size + fresh.length > MAX_CACHED_STEMS) this.cache.clear();
    this.db.transaction(() => {
      fresh.forEach((w, i) => this.insert.run(i, w));
      for (const [doc, term] of this.read.all() as [number, string][]) this.cache.set(fresh[doc], term);
      this.clear.run();
    })();
    for (const w of fresh) if (!this.cache.has(w)) this.cache.set(w, w);
  }

  stem(word: string): string {
    let s = this.cache.get(word);
    if (s === undefined) {
      this.stemAll([word]);
      s = this.cache.get(word)!;
    }
    return s;
  }

  close(): void {
    this.db.close();
  }
}

/**
 * One FTS5 table's postings: per term a byte list of (rowid gap as varint, per-column counts) in
 * rowid order. Counts are one byte `title<<6 | abstract<<2 | authors` when they fit (never 0, since a
 * posting has an occurrence), else a 0 byte and three varints.
 */
class Postings {
  readonly termOf = new Map<string, number>();
  bufs: Uint8Array[] = [];
  lens: Int32Array = new Int32Array(1024);
  last: Int32Array = new Int32Array(1024);
  df: Int32Array = new Int32Array(1024);
  /**
   * Skip entries of the lists longer than SKIP postings: for each posting i * SKIP (i >= 1), the
   * row of the posting before it and its byte offset, interleaved; skipCount(t) of them are set.
   */
  readonly skips = new Map<number, Int32Array>();
  /**
   * Of the lists longer than SKIP postings, per block of SKIP postings: a bound on the bm25 term of
   * its rows without the idf, f (k1 + 1) / (f + K), for the index's bound weights and bound avgdl.
   */
  readonly blockMax = new Map<number, Float32Array>();

  /**
   * Whether long lists are allocated in shared memory: not during a bulk build, whose outgrown
   * buffers would be shared garbage (with it, building 1M papers' index left 1,485 MB of RSS
   * against 1,283), but after trim() or load().
   */
  shared = false;

  allocBytes(n: number): Uint8Array {
    return this.shared && n >= SHARED_MIN_BYTES ? new Uint8Array(new SharedArrayBuffer(n)) : new Uint8Array(n);
  }

  copyBytes(from: Uint8Array): Uint8Array {
    const out = this.allocBytes(from.length);
    out.set(from);
    return out;
  }

  skipCount(t: number): number {
    return this.df[t] > 0 ? Math.floor((this.df[t] - 1) / SKIP) : 0;
  }

  get terms(): number {
    return this.bufs.length;
  }

  id(term: string): number {
    let t = this.termOf.get(term);
    if (t === undefined) {
      t = this.bufs.length;
      this.termOf.set(term, t);
      this.bufs.push(new Uint8Array(8));
      if (t >= this.lens.length) {
        this.lens = grow(this.lens, t + 1);
        this.last = grow(this.last, t + 1);
        this.df = grow(this.df, t + 1);
      }
      this.last[t] = -1;
    }
    return t;
  }

  add(t: number, rowid: number, title: number, abstract: number, authors: number): void {
    let buf = this.bufs[t];
    let at = this.lens[t];
    if (at + 24 > buf.length) {
      // Long lists grow by a quarter: doubling left half the bulk build's postings memory as slack
      // until trim (at 200k papers 158 MB held for 106 MB of postings, now 125 MB).
      const next = this.allocBytes(Math.max(16, buf.length < 256 ? buf.length * 2 : Math.ceil(buf.length * 1.25)));
      next.set(buf.subarray(0, at));
      this.bufs[t] = buf = next;
    }
    if (this.df[t] > 0 && this.df[t] % SKIP === 0) this.addSkip(t, this.df[t] / SKIP - 1, this.last[t], at);
    at = putVarint(buf, at, rowid - this.last[t]);
    if (title < 4 && abstract < 16 && authors < 4) {
      buf[at++] = (title << 6) | (abstract << 2) | authors;
    } else {
      buf[at++] = 0;
      at = putVarint(buf, at, title);
      at = putVarint(buf, at, abstract);
      at = putVarint(buf, at, authors);
    }
    this.lens[t] = at;
    this.last[t] = rowid;
    this.df[t]++;
  }

  private addSkip(t: number, i: number, prev: number, off: number): void {
    let sk = this.skips.get(t);
    if (!sk || 2 * i + 2 > sk.length) {
      const next = new Int32Array(Math.max(8, 4 * i + 4));
      if (sk) next.set(sk);
      this.skips.set(t, (sk = next));
    }
    sk[2 * i] = prev;
    sk[2 * i + 1] = off;
  }

  /** Sets the skip entries of every list from its postings (after loading them). */
  buildSkips(): void {
    this.skips.clear();
    for (let t = 0; t < this.bufs.length; t++) {
      if (this.df[t] <= SKIP) continue;
      this.skips.set(t, new Int32Array(2 * this.skipCount(t)));
      const buf = this.bufs[t];
      const end = this.lens[t];
      let at = 0;
      let row = -1;
      for (let k = 0; at < end; k++) {
        if (k > 0 && k % SKIP === 0) this.addSkip(t, k / SKIP - 1, row, at);
        let b = buf[at++];
        let gap = b & 0x7f;
        for (let shift = 7; b & 0x80; shift += 7) {
          b = buf[at++];
          gap |= (b & 0x7f) << shift;
        }
        row += gap;
        if (buf[at++] === 0) {
          // Three varints of counts: skip their bytes.
          for (let v = 0; v < 3; v++) while (buf[at++] & 0x80);
        }
      }
    }
  }

  /** Block maxima of list t (see blockMax) from its postings. */
  computeBlockMax(t: number, len: Int32Array, avgdl: number, w: Bm25Weights): Float32Array {
    const buf = this.bufs[t];
    const end = this.lens[t];
    const out = new Float32Array(this.skipCount(t) + 1);
    let at = 0;
    let row = -1;
    for (let k = 0; at < end; k++) {
      let b = buf[at++];
      let gap = b & 0x7f;
      for (let shift = 7; b & 0x80; shift += 7) {
        b = buf[at++];
        gap |= (b & 0x7f) << shift;
      }
      row += gap;
      const c = buf[at++];
      let f: number;
      if (c !== 0) {
        f = w.title * (c >> 6) + w.abstract * ((c >> 2) & 15) + w.authors * (c & 3);
      } else {
        f = 0;
        for (let v = 0; v < 3; v++) {
          let x = buf[at++];
          let val = x & 0x7f;
          for (let shift = 7; x & 0x80; shift += 7) {
            x = buf[at++];
            val |= (x & 0x7f) << shift;
          }
          f += (v === 0 ? w.title : v === 1 ? w.abstract : w.authors) * val;
        }
      }
      const g = termBound(f, len[row], avgdl);
      if (g > out[k >> 6]) out[k >> 6] = g;
    }
    return out;
  }

  /** Drops the slack of growing buffers (after a bulk build). */
  trim(): void {
    // From here on long lists live in shared memory (see SHARED_MIN_BYTES): the ones built in
    // plain memory move there now, and the ones that grow later are reallocated there.
    this.shared = true;
    for (let t = 0; t < this.bufs.length; t++) {
      const buf = this.bufs[t];
      const unshared = this.lens[t] >= SHARED_MIN_BYTES && !(buf.buffer instanceof SharedArrayBuffer);
      if (buf.length > this.lens[t] + 64 || unshared) this.bufs[t] = this.copyBytes(buf.subarray(0, this.lens[t]));
    }
    for (const [t, sk] of this.skips) if (sk.length > 2 * this.skipCount(t) + 16) this.skips.set(t, sk.slice(0, 2 * this.skipCount(t)));
    for (const [t, bm] of this.blockMax) if (bm.length > this.skipCount(t) + 9) this.blockMax.set(t, bm.slice(0, this.skipCount(t) + 1));
  }

  bytes(): number {
    let n = 0;
    for (let t = 0; t < this.bufs.length; t++) n += this.lens[t];
    for (const sk of this.skips.values()) n += sk.byteLength;
    for (const bm of this.blockMax.values()) n += bm.byteLength;
    return n;
  }
}

/**
 * f (k1 + 1) / (f + K) of a row of D tokens, rounded up to a float32 (a bound, stored in 4 bytes).
 * The bm25 term of the row is at most idf times this for any avgdl up to the given one (K falls as
 * avgdl grows).
 */
function termBound(f: number, D: number, avgdl: number): number {
  return Math.fround(((f * (K1 + 1.0)) / (f + K1 * (1 - B + (B * D) / avgdl))) * (1 + 1e-6));
}

/** FNV-1a over UTF-16 code units: the title table's hash. */
export function hashKey(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * A second 32-bit hash of a title key, unrelated to hashKey (multiply-rotate per code unit, then
 * murmur3's finaliser): a row whose title matches both is taken as having the title, wrong for
 * two different titles once in about 2^64 / rows lookups.
 */
export function checkKey(s: string): number {
  let h = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0xcc9e2d51);
    h = Math.imul((h << 15) | (h >>> 17), 0x1b873593);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * Posting lists from this size up live in shared memory, so that the worker thread of searchSplit
 * reads them where they are; shorter ones are copied into its message (one list per query word,
 * so a few hundred KiB at most). With 1 KiB here, the many shared buffers a bulk build outgrows
 * added 570 MB to the RSS after building the index of 1M papers.
 */
const SHARED_MIN_BYTES = 64 * 1024;

/** A copy of `a` in shared memory; at least `min` long, and then at least twice as long as `a`. */
function sharedInts(a: Int32Array, min = a.length): Int32Array {
  const n = min > a.length ? Math.max(min, 2 * a.length) : a.length;
  const out = new Int32Array(new SharedArrayBuffer(4 * Math.max(n, 1)));
  out.set(a);
  return out;
}

function grow(a: Int32Array, min: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(Math.max(min, a.length * 2));
  out.set(a);
  return out;
}

function putVarint(buf: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

const SKIP = 64;
/** rows scored together, term at a time: 32 KiB of scores, which stay in the CPU's cache */
const WINDOW = 4096;
/** a common list is read whole over a window when it has fewer than DENSE postings there per row in the running */
const DENSE = 8;
/** cursor row of a list that has no postings left */
const END = 0x7fffffff;

/**
 * Cursors over the posting lists of one query, in parallel arrays: list j is at the posting of row
 * row[j] (END when done), whose weighted count f[j] = sum of column weight * occurrences; the
 * posting after it starts at byte pos[j].
 */
class Cursors {
  readonly row: Int32Array;
  readonly f: Float64Array;
  readonly pos: Int32Array;
  /** first skip entry of list j that may hold a row not yet asked for */
  readonly blk: Int32Array;
  readonly bufs: Uint8Array[] = [];
  readonly ends: Int32Array;
  readonly skips: (Int32Array | undefined)[] = [];
  readonly skipN: Int32Array;
  /** index of list j's current posting in the list */
  readonly idx: Int32Array;
  readonly blockMax: (Float32Array | undefined)[] = [];

  constructor(
    lists: ListData[],
    private readonly wT: number,
    private readonly wA: number,
    private readonly wU: number,
  ) {
    const n = lists.length;
    this.row = new Int32Array(n).fill(-1);
    this.f = new Float64Array(n);
    this.pos = new Int32Array(n);
    this.blk = new Int32Array(n);
    this.ends = new Int32Array(n);
    this.skipN = new Int32Array(n);
    this.idx = new Int32Array(n).fill(-1);
    lists.forEach((l, j) => {
      this.blockMax.push(l.blockMax);
      this.bufs.push(l.buf);
      this.ends[j] = l.end;
      this.skips.push(l.skips);
      this.skipN[j] = l.skipN;
      this.next(j);
    });
  }

  // The posting decode (varint gap, then packed or escaped counts) is written out in next, addUpTo,
  // addWhereSet and advance on purpose: one shared decoder returning through module variables made
  // lexical-latency at 200k papers 15-25% slower (p50 3.0 -> 3.5-4.2 ms).

  /** Moves list j to its next posting. */
  next(j: number): void {
    let at = this.pos[j];
    if (at >= this.ends[j]) {
      this.row[j] = END;
      return;
    }
    const buf = this.bufs[j];
    let b = buf[at++];
    let gap = b & 0x7f;
    for (let shift = 7; b & 0x80; shift += 7) {
      b = buf[at++];
      gap |= (b & 0x7f) << shift;
    }
    this.row[j] += gap;
    this.idx[j]++;
    const c = buf[at++];
    if (c !== 0) {
      this.f[j] = this.wT * (c >> 6) + this.wA * ((c >> 2) & 15) + this.wU * (c & 3);
    } else {
      // Escaped counts: three varints, summed as wT * t + wA * a + wU * u like the one-byte form.
      let f = 0;
      for (let k = 0; k < 3; k++) {
        let x = buf[at++];
        let val = x & 0x7f;
        for (let shift = 7; x & 0x80; shift += 7) {
          x = buf[at++];
          val |= (x & 0x7f) << shift;
        }
        f += (k === 0 ? this.wT : k === 1 ? this.wA : this.wU) * val;
      }
      this.f[j] = f;
    }
    this.pos[j] = at;
  }

  /**
   * Adds list j's bm25 term to acc[row - base] for its rows below `top`, noting rows first scored in
   * the bit set `touched`; leaves the cursor at its first row >= top. Skips the
   * blocks whose bound plus `others` (a bound on the other terms) is below `theta`: their rows
   * cannot reach it. The scoring loop of a search, kept tight.
   */
  addUpTo(j: number, top: number, acc: Float64Array, base: number, touched: Int32Array, idf: number, len: Int32Array, avgdl: number, others: number, theta: number): void {
    let row = this.row[j];
    if (row >= top) return;
    let f = this.f[j];
    let at = this.pos[j];
    let k = this.idx[j];
    const buf = this.bufs[j];
    const end = this.ends[j];
    const bm = this.blockMax[j];
    const sk = this.skips[j];
    const skipN = this.skipN[j];
    const { wT, wA, wU } = this;
    for (;;) {
      if (bm !== undefined && k % SKIP === 0 && idf * bm[k / SKIP] + others < theta) {
        // The whole block is out: on to the next block's first posting.
        const b = k / SKIP;
        if (b >= skipN) {
          row = END;
          break;
        }
        row = sk![2 * b];
        at = sk![2 * b + 1];
        k = (b + 1) * SKIP - 1;
      } else {
        const D = len[row];
        const x = row - base;
        touched[x >> 5] |= 1 << (x & 31);
        acc[x] += idf * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + (B * D) / avgdl)));
      }
      if (at >= end) {
        row = END;
        break;
      }
      let b = buf[at++];
      let gap = b & 0x7f;
      for (let shift = 7; b & 0x80; shift += 7) {
        b = buf[at++];
        gap |= (b & 0x7f) << shift;
      }
      row += gap;
      k++;
      const c = buf[at++];
      if (c !== 0) {
        f = wT * (c >> 6) + wA * ((c >> 2) & 15) + wU * (c & 3);
      } else {
        f = 0;
        for (let v = 0; v < 3; v++) {
          let x = buf[at++];
          let val = x & 0x7f;
          for (let shift = 7; x & 0x80; shift += 7) {
            x = buf[at++];
            val |= (x & 0x7f) << shift;
          }
          f += (v === 0 ? wT : v === 1 ? wA : wU) * val;
        }
      }
      if (row >= top) break;
    }
    this.row[j] = row;
    this.f[j] = f;
    this.pos[j] = at;
    this.idx[j] = k;
  }

  /** About how many postings list j has from its cursor to row `top` (from the skip entries; moves nothing). */
  postingsBelow(j: number, top: number): number {
    const sk = this.skips[j];
    if (sk === undefined) return this.ends[j] > this.pos[j] ? SKIP : 0;
    let i = this.blk[j];
    const n = this.skipN[j];
    while (i < n && sk[2 * i] < top) i++;
    return (i + 1) * SKIP - this.idx[j];
  }

  /** Adds list j's bm25 term to acc[row - base] for its rows below `top` whose bit is set in `touched`. */
  addWhereSet(j: number, top: number, acc: Float64Array, base: number, touched: Int32Array, idf: number, len: Int32Array, avgdl: number): void {
    if (this.row[j] < base) this.advance(j, base);
    let row = this.row[j];
    if (row >= top) return;
    let f = this.f[j];
    let at = this.pos[j];
    let k = this.idx[j];
    const buf = this.bufs[j];
    const end = this.ends[j];
    const { wT, wA, wU } = this;
    for (;;) {
      const x = row - base;
      if ((touched[x >> 5] >> (x & 31)) & 1) acc[x] += idf * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + (B * len[row]) / avgdl)));
      if (at >= end) {
        row = END;
        break;
      }
      let b = buf[at++];
      let gap = b & 0x7f;
      for (let shift = 7; b & 0x80; shift += 7) {
        b = buf[at++];
        gap |= (b & 0x7f) << shift;
      }
      row += gap;
      k++;
      const c = buf[at++];
      if (c !== 0) {
        f = wT * (c >> 6) + wA * ((c >> 2) & 15) + wU * (c & 3);
      } else {
        f = 0;
        for (let v = 0; v < 3; v++) {
          let y = buf[at++];
          let val = y & 0x7f;
          for (let shift = 7; y & 0x80; shift += 7) {
            y = buf[at++];
            val |= (y & 0x7f) << shift;
          }
          f += (v === 0 ? wT : v === 1 ? wA : wU) * val;
        }
      }
      if (row >= top) break;
    }
    this.row[j] = row;
    this.f[j] = f;
    this.pos[j] = at;
    this.idx[j] = k;
  }

  /**
   * The block of list j where row r would be (r above the cursor's row; rows asked for ascending):
   * skip entry i holds the last row of block i.
   */
  blockOf(j: number, r: number): number {
    const sk = this.skips[j];
    if (sk === undefined) return 0;
    let i = this.blk[j];
    const n = this.skipN[j];
    while (i < n && sk[2 * i] < r) i++;
    this.blk[j] = i;
    return i;
  }

  /** Moves list j to its first posting of a row >= r, jumping over whole blocks through the skip entries. */
  advance(j: number, r: number): void {
    let row = this.row[j];
    if (row >= r) return;
    const b = this.blockOf(j, r);
    let at = this.pos[j];
    let k = this.idx[j];
    // Block b starts past the cursor: jump to it (to the posting before it, then read on).
    if (b > 0) {
      const sk = this.skips[j]!;
      const prev = sk[2 * b - 2];
      if (prev > row) {
        row = prev;
        at = sk[2 * b - 1];
        k = b * SKIP - 1;
      }
    }
    // Read rows up to r; the counts only of the posting it stops at.
    const buf = this.bufs[j];
    const end = this.ends[j];
    let counts = 0;
    while (row < r) {
      if (at >= end) {
        this.row[j] = END;
        this.pos[j] = at;
        return;
      }
      let x = buf[at++];
      let gap = x & 0x7f;
      for (let shift = 7; x & 0x80; shift += 7) {
        x = buf[at++];
        gap |= (x & 0x7f) << shift;
      }
      row += gap;
      k++;
      counts = at;
      if (buf[at++] === 0) for (let v = 0; v < 3; v++) while (buf[at++] & 0x80);
    }
    const c = buf[counts];
    if (c !== 0) {
      this.f[j] = this.wT * (c >> 6) + this.wA * ((c >> 2) & 15) + this.wU * (c & 3);
    } else {
      let f = 0;
      let p = counts + 1;
      for (let v = 0; v < 3; v++) {
        let y = buf[p++];
        let val = y & 0x7f;
        for (let shift = 7; y & 0x80; shift += 7) {
          y = buf[p++];
          val |= (y & 0x7f) << shift;
        }
        f += (v === 0 ? this.wT : v === 1 ? this.wA : this.wU) * val;
      }
      this.f[j] = f;
    }
    this.row[j] = row;
    this.pos[j] = at;
    this.idx[j] = k;
  }
}

/** Signature of the FTS5 content the index was built from; a mismatch means rebuild. */
/** What scoring one posting list takes (typed arrays and numbers: a worker thread can be sent it). */
export interface ListData {
  buf: Uint8Array;
  /** bytes of postings in buf */
  end: number;
  skips: Int32Array | undefined;
  skipN: number;
  /** block maxima (undefined: the plain bound) */
  blockMax: Float32Array | undefined;
  idf: number;
  /** bound on the list's bm25 term for any row */
  ub: number;
}

/** Per-thread scratch of topRows: one window's scores (all 0 between searches) and its bit set. */
export interface Scratch {
  window: Float64Array;
  touched: Int32Array;
}

export function newScratch(): Scratch {
  return { window: new Float64Array(WINDOW), touched: new Int32Array(WINDOW / 32) };
}

/**
 * A part of the rows, [lo, hi) with lo a multiple of PART_ALIGN, that one thread searches while
 * another searches the rest. Through `theta` the threads tell each other their k-th best score so
 * far (slot i: part i's, in units of 1/THETA_SCALE, rounded down; 0 for none yet): the k-th best of
 * any part is a lower bound on the k-th best of all rows, so each part prunes with the higher one.
 */
export interface RowPart {
  lo: number;
  hi: number;
  theta: Int32Array;
  slot: number;
}

/** Row parts start at multiples of the scoring window. */
export const PART_ALIGN = WINDOW;
const THETA_SCALE = 65536;

/**
 * The best `limit` rows of an OR-query over `lists` (MaxScore over windows of rows with block
 * maxima); what scoring every row would return, to the last bit. With `part`, the best of the
 * rows in it, of those that can be in the best `limit` of all rows (see RowPart).
 */
export function topRows(lists: ListData[], len: Int32Array, avgdl: number, weights: Bm25Weights, limit: number, scratch: Scratch, part?: RowPart): RowHit[] {
  if (lists.length === 0 || limit <= 0) return [];
  // Rarest first; a row's score adds its terms up in this order (the order of the scores it is
  // compared with, to the last bit).
  lists.sort((a, b) => b.idf - a.idf);
  const L = lists.length;
  const idf = Float64Array.from(lists, (l) => l.idf);
  // rest[j]: bound on what lists j.. add together, with room for rounding in the sums;
  // others[j]: on what the lists but j add.
  const rest = new Float64Array(L + 1);
  for (let j = L - 1; j >= 0; j--) rest[j] = rest[j + 1] + lists[j].ub;
  for (let j = 0; j < L; j++) rest[j] = rest[j] * (1 + 1e-9) + 1e-12;
  const others = Float64Array.from(lists, (l) => rest[0] - l.ub * (1 - 1e-9));
  const c = new Cursors(lists, weights.title, weights.abstract, weights.authors);
  const { row, f, blockMax } = c;
  const hi = part ? part.hi : END;
  if (part) for (let j = 0; j < L; j++) c.advance(j, part.lo);
  // Min-heap of the best rows so far: worst (lowest score, then highest rowid) on top.
  const hs = new Float64Array(limit);
  const hr = new Int32Array(limit);
  let n = 0;
  let theta = -Infinity;
  let e = L;
  const acc = scratch.window;
  const touched = scratch.touched;
  while (e > 0) {
    if (part) {
      theta = Math.max(theta, sharedTheta(part));
      while (e > 0 && rest[e - 1] < theta) e--;
      if (e === 0) break;
    }
    let base = END;
    for (let j = 0; j < e; j++) if (row[j] < base) base = row[j];
    if (base >= hi) break;
    base -= base % WINDOW;
    const top = base + WINDOW;
    const ew = e;
    for (let j = 0; j < ew; j++) c.addUpTo(j, top, acc, base, touched, idf[j], len, avgdl, others[j], theta);
    // The common lists one at a time, over the rows still in the running (in rowid order, lowest
    // set bit first: the lists are read forwards): a row leaves once its score plus the bounds of
    // the lists left cannot reach the k-th best.
    for (let j = ew; j < L; j++) {
      let count = 0;
      for (let word = 0; word < WINDOW / 32; word++) {
        let bits = touched[word];
        for (let left = bits; left !== 0; left &= left - 1) {
          const low = left & -left;
          const i = (word << 5) | (31 - Math.clz32(low));
          if (acc[i] + rest[j] < theta) {
            acc[i] = 0;
            bits ^= low;
          } else count++;
        }
        touched[word] = bits;
      }
      if (count === 0) break;
      if (count * DENSE > c.postingsBelow(j, top)) {
        // Many rows for this list's postings here: read them all, adding to the rows in the running.
        c.addWhereSet(j, top, acc, base, touched, idf[j], len, avgdl);
        continue;
      }
      const bm = blockMax[j];
      for (let word = 0; word < WINDOW / 32; word++) {
        let bits = touched[word];
        for (let left = bits; left !== 0; left &= left - 1) {
          const low = left & -left;
          const i = (word << 5) | (31 - Math.clz32(low));
          const d = base + i;
          // The bound of the block that would hold d, before reading it.
          if (bm !== undefined && row[j] < d && acc[i] + idf[j] * bm[c.blockOf(j, d)] + rest[j + 1] < theta) {
            acc[i] = 0;
            bits ^= low;
            continue;
          }
          c.advance(j, d);
          if (row[j] === d) {
            const fj = f[j];
            acc[i] += idf[j] * ((fj * (K1 + 1.0)) / (fj + K1 * (1 - B + (B * len[d]) / avgdl)));
          }
        }
        touched[word] = bits;
      }
    }
    for (let word = 0; word < WINDOW / 32; word++) {
      let bits = touched[word];
      if (bits === 0) continue;
      touched[word] = 0;
      for (; bits !== 0; bits &= bits - 1) {
        const i = (word << 5) | (31 - Math.clz32(bits & -bits));
        const score = acc[i];
        acc[i] = 0;
        const d = base + i;
        // d is above every row in the heap, so it must score higher than the top to beat it.
        if (n < limit) {
          let k = n++;
          while (k > 0) {
            const up = (k - 1) >> 1;
            if (!(score < hs[up] || (score === hs[up] && d > hr[up]))) break;
            hs[k] = hs[up];
            hr[k] = hr[up];
            k = up;
          }
          hs[k] = score;
          hr[k] = d;
        } else if (score > hs[0]) {
          let k = 0;
          for (;;) {
            const l = 2 * k + 1;
            if (l >= n) break;
            const m = l + 1 < n && (hs[l + 1] < hs[l] || (hs[l + 1] === hs[l] && hr[l + 1] > hr[l])) ? l + 1 : l;
            if (!(hs[m] < score || (hs[m] === score && hr[m] > d))) break;
            hs[k] = hs[m];
            hr[k] = hr[m];
            k = m;
          }
          hs[k] = score;
          hr[k] = d;
        } else continue;
        if (n === limit && hs[0] > theta) theta = hs[0];
      }
    }
    if (part && n === limit) publishTheta(part, hs[0]);
    while (e > 0 && rest[e - 1] < theta) e--;
  }
  const out: RowHit[] = [];
  for (let i = 0; i < n; i++) out.push({ rowid: hr[i], score: hs[i] });
  return out.sort((a, b) => b.score - a.score || a.rowid - b.rowid);
}

/** The best `limit` of the rows of two parts' answers (in topRows' order). */
function mergeTop(a: RowHit[], b: RowHit[], limit: number): RowHit[] {
  return [...a, ...b].sort((x, y) => y.score - x.score || x.rowid - y.rowid).slice(0, limit);
}

/** The highest k-th best score the other parts have published (a lower bound on it; 0 for none). */
function sharedTheta(part: RowPart): number {
  let best = 0;
  for (let i = 0; i < part.theta.length; i++) if (i !== part.slot) best = Math.max(best, Atomics.load(part.theta, i));
  return best / THETA_SCALE;
}

function publishTheta(part: RowPart, kth: number): void {
  const v = Math.floor(kth * THETA_SCALE);
  if (v > Atomics.load(part.theta, part.slot) && v <= 0x7fffffff) Atomics.store(part.theta, part.slot, v);
}

/** The thread MemoryBm25Index.searchSplit hands the upper half of the rows to (bm25-thread.ts). */
class Bm25Worker {
  private seq = 0;
  private dead: Error | null = null;
  private readonly pending = new Map<number, { resolve: (hits: RowHit[][]) => void; reject: (e: Error) => void }>();

  private constructor(private readonly thread: Worker) {
    thread.on('message', (a: Bm25Answer) => {
      const p = this.pending.get(a.id);
      if (!p) return;
      this.pending.delete(a.id);
      if (this.pending.size === 0) thread.unref();
      if (a.error) p.reject(new Error(`search: bm25 worker: ${a.error}`));
      else {
        // The answers of the job's searches one after the other, counts[i] rows each.
        let at = 0;
        p.resolve(Array.from(a.counts, (n) => Array.from(a.rows.subarray(at, (at += n)), (rowid, k) => ({ rowid, score: a.scores[at - n + k] }))));
      }
    });
    const fail = (e: Error) => {
      this.dead ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    thread.on('error', fail);
    thread.on('exit', (code) => fail(new Error(`search: bm25 worker stopped (exit code ${code})`)));
    // Idle, it does not keep the process alive; a query in flight does (run refs it).
    thread.unref();
  }

  static start(): Bm25Worker | null {
    try {
      return new Bm25Worker(new Worker(new URL('./worker-thread.js', import.meta.url)));
    } catch {
      return null;
    }
  }

  run(job: Omit<Bm25Job, 'id'>): Promise<RowHit[][]> {
    if (this.dead) return Promise.reject(this.dead);
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.thread.ref();
      this.thread.postMessage({ id, ...job } satisfies Bm25Job);
    });
  }

  async close(): Promise<void> {
    await this.thread.terminate();
  }
}

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
  /** hash of titleKey(title) by rowid, to find "the user typed the exact title" without FTS5 */
  private titleHash: Int32Array = new Int32Array(1024);
  /**
   * checkKey(titleKey(title)) by rowid: with titleHash, 64 bits that stand in for reading the title
   * from the database (at a million papers, reading the ~20 copies of a title took up to 17 ms).
   * Kept unless loaded from a file written before it (format 3 and older).
   */
  private titleCheck: Int32Array = new Int32Array(1024);
  private titleChecked = true;
  /** rowid + 1 of each row, in the slot of its title hash (linear probing); 0: empty */
  private titleTable = new Int32Array(1024);
  private titleRows = 0;
  /**
   * Paper ids by rowid, so that a search needs no SQL lookup per top row (at a million papers,
   * 200 random rowid lookups in a database of several GB took 6 ms at p50 and 15 ms at p99): the
   * UTF-8 bytes of each row's id in rowid order, row r's at idOff[r] .. idOff[r + 1] (empty for
   * no row). Kept while every row added came with its id (hasIds).
   */
  private idBytes: Buffer = Buffer.alloc(1024);
  private idOff: Int32Array = new Int32Array(1024);
  private idEnd = 0;
  private idsComplete = true;
  private readonly scratch = newScratch();
  /** avgdl the block maxima were computed for (they hold for any lower one); NaN: none yet */
  private boundAvgdl = NaN;
  rows = 0;
  tokens = 0;
  maxRowid = 0;
  /** FTS5's own token total when this index was last in step with it (its tokenizer may count a few differently) */
  ftsTokens = NaN;

  constructor(
    readonly stemmer: Fts5Stemmer = new Fts5Stemmer(),
    /** the column weights the block maxima are for (searches with others get no block pruning) */
    readonly boundWeights: Bm25Weights = DEFAULT_BM25_WEIGHTS,
  ) {}

  /** Whether idOf knows every row's paper id (each row was added with one). */
  get hasIds(): boolean {
    return this.idsComplete && this.rows > 0;
  }

  /** The paper id of a row of the index (added with its id), else undefined. */
  idOf(rowid: number): string | undefined {
    if (!this.idsComplete || rowid <= 0 || rowid > this.maxRowid) return undefined;
    const a = this.idOff[rowid];
    const b = this.idOff[rowid + 1];
    return a === b ? undefined : this.idBytes.toString('utf8', a, b);
  }

  /** Appends row `rowid`'s id (rows ascending; the rows skipped since the last get none). */
  private addId(rowid: number, id: string | undefined): void {
    if (id === undefined || id === '') this.idsComplete = false;
    if (!this.idsComplete) return;
    if (rowid + 2 > this.idOff.length) this.idOff = grow(this.idOff, rowid + 2);
    for (let r = this.maxRowid + 1; r < rowid; r++) this.idOff[r + 1] = this.idEnd;
    const n = Buffer.byteLength(id!);
    if (this.idEnd + n > this.idBytes.length) {
      const next = Buffer.alloc(Math.max(2 * this.idBytes.length, this.idEnd + n));
      this.idBytes.copy(next, 0, 0, this.idEnd);
      this.idBytes = next;
    }
    this.idEnd += this.idBytes.write(id!, this.idEnd);
    this.idOff[rowid] = this.idEnd - n;
    this.idOff[rowid + 1] = this.idEnd;
  }

  get state(): Bm25State {
    return { maxRowid: this.maxRowid, rows: this.rows, tokens: this.tokens };
  }

  /** stemmed term of each exact term */
  private stemOf: Int32Array = new Int32Array(1024);
  private ids: Int32Array = new Int32Array(1 << 16);
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
        if (n + toks.length > this.ids.length) this.ids = grow(this.ids, n + toks.length);
        for (const tok of toks) {
          let e = termOf.get(tok);
          if (e === undefined) {
            e = this.exact.id(tok);
            fresh.push(tok);
            freshIds.push(e);
          }
          this.ids[n++] = e;
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
    const { ids, stemOf, cntExact: ce, cntStem: cs } = this;
    const touchedE: number[] = [];
    const touchedS: number[] = [];
    const w = this.boundWeights;
    docs.forEach((d, i) => {
      const len = bounds[(i + 1) * COLUMNS] - bounds[i * COLUMNS];
      if (d.rowid >= this.len.length) {
        this.len = sharedInts(this.len, d.rowid + 1);
        this.titleHash = grow(this.titleHash, this.len.length);
        if (this.titleChecked) this.titleCheck = grow(this.titleCheck, this.len.length);
      }
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
      const key = titleKey(d.title);
      this.titleHash[d.rowid] = hashKey(key);
      if (this.titleChecked) this.titleCheck[d.rowid] = checkKey(key);
      this.addTitle(d.rowid);
      this.addId(d.rowid, d.id);
      this.rows++;
      this.tokens += len;
      this.maxRowid = d.rowid;
    });
    // Longer rows moved avgdl past the one the block maxima hold for (rare: it has 5% room).
    if (this.tokens / this.rows > this.boundAvgdl) this.computeBounds();
  }

  /** Rows whose title has this titleKey hash (candidates: the caller compares the titles), ascending. */
  rowsWithTitleKey(key: string): number[] {
    const h = hashKey(key);
    const out: number[] = [];
    const { titleTable: table, titleHash } = this;
    const mask = table.length - 1;
    for (let i = h & mask; table[i] !== 0; i = (i + 1) & mask) {
      const r = table[i] - 1;
      if (titleHash[r] === h && this.len[r] > 0) out.push(r);
    }
    return out.sort((a, b) => a - b);
  }

  /**
   * Rows whose title has this titleKey, by both hashes (see titleCheck), ascending; null when the
   * index has no second hash (the caller compares the titles of rowsWithTitleKey).
   */
  rowsWithTitle(key: string): number[] | null {
    if (!this.titleChecked) return null;
    const c = checkKey(key);
    return this.rowsWithTitleKey(key).filter((r) => this.titleCheck[r] === c);
  }

  /** Adds a row to the title hash table (open addressing, at most half full). */
  private addTitle(row: number): void {
    if (2 * (this.titleRows + 1) > this.titleTable.length) {
      const old = this.titleTable;
      this.titleTable = new Int32Array(old.length * 2);
      this.titleRows = 0;
      for (const r1 of old) if (r1 !== 0) this.addTitle(r1 - 1);
    }
    const table = this.titleTable;
    const mask = table.length - 1;
    let i = this.titleHash[row] & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = row + 1;
    this.titleRows++;
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
    return topRows(this.queryLists(terms, weights, exact), this.len, this.tokens / this.rows, weights, limit, this.scratch);
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
    const here = () => lists.map((l) => topRows(l, this.len, avgdl, weights, limit, this.scratch));
    // The upper half starts at the window boundary nearest the middle row.
    const mid = Math.round((this.maxRowid + 1) / 2 / PART_ALIGN) * PART_ALIGN;
    const worker = lists.some((l) => l.length > 0) && limit > 0 && mid > 0 && mid <= this.maxRowid ? this.worker() : null;
    if (!worker) return here();
    const thetas = lists.map(() => new Int32Array(new SharedArrayBuffer(8)));
    const upper = worker.run({ searches: lists.map((l, i) => ({ lists: l, part: { lo: mid, hi: END, theta: thetas[i], slot: 1 } })), len: this.len, avgdl, weights, limit });
    // topRows sorts the lists it is given: this thread's own copies.
    const lower = lists.map((l, i) => topRows([...l], this.len, avgdl, weights, limit, this.scratch, { lo: 0, hi: mid, theta: thetas[i], slot: 0 }));
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

  /** Writes the index (JSON header + raw arrays); `key` says what database state it reflects. */
  async save(path: string, key: string): Promise<void> {
    const parts: Buffer[] = [];
    const bounded = this.boundAvgdl > 0;
    const header = {
      // 2: skip entries and block maxima after the row arrays; 3: then the ids (idOff, idBytes);
      // 4: then the title checks
      format: 4,
      titleChecks: this.titleChecked,
      /** bytes of ids at the end; null: the index keeps no ids */
      ids: this.idsComplete ? this.idEnd : null,
      key,
      boundAvgdl: bounded ? this.boundAvgdl : null,
      boundWeights: this.boundWeights,
      rows: this.rows,
      tokens: this.tokens,
      ftsTokens: this.ftsTokens,
      maxRowid: this.maxRowid,
      stemmed: [...this.stemmed.termOf.keys()],
      exact: [...this.exact.termOf.keys()],
    };
    const raw = (a: Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (const p of [this.stemmed, this.exact]) {
      const n = p.terms;
      parts.push(raw(p.lens.subarray(0, n)), raw(p.last.subarray(0, n)), raw(p.df.subarray(0, n)));
      for (let t = 0; t < n; t++) parts.push(Buffer.from(p.bufs[t].buffer, p.bufs[t].byteOffset, p.lens[t]));
    }
    parts.push(raw(this.stemOf.subarray(0, this.exact.terms)));
    parts.push(raw(this.len.subarray(0, this.maxRowid + 1)), raw(this.titleHash.subarray(0, this.maxRowid + 1)));
    for (const p of [this.stemmed, this.exact]) {
      for (let t = 0; t < p.terms; t++) {
        if (p.df[t] <= SKIP) continue;
        const n = p.skipCount(t);
        parts.push(raw(p.skips.get(t)!.subarray(0, 2 * n)));
        if (bounded) {
          const bm = p.blockMax.get(t)!.subarray(0, n + 1);
          parts.push(Buffer.from(bm.buffer, bm.byteOffset, bm.byteLength));
        }
      }
    }
    if (this.idsComplete) parts.push(raw(this.idOff.subarray(0, this.maxRowid + 2)), this.idBytes.subarray(0, this.idEnd));
    if (this.titleChecked) parts.push(raw(this.titleCheck.subarray(0, this.maxRowid + 1)));
    const h = Buffer.from(JSON.stringify(header));
    const hl = Buffer.alloc(4);
    hl.writeUInt32LE(h.length);
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, [Buffer.from('PBBM'), hl, h, ...parts]);
    await rename(tmp, path);
  }

  /** The key and row count of a saved index, reading only its header; null when there is none. */
  static async readHeader(path: string): Promise<{ key: string; rows: number; maxRowid: number } | null> {
    let fh;
    try {
      fh = await open(path, 'r');
      const head = Buffer.alloc(8);
      await fh.read(head, 0, 8, 0);
      if (head.subarray(0, 4).toString() !== 'PBBM') return null;
      const h = Buffer.alloc(head.readUInt32LE(4));
      await fh.read(h, 0, h.length, 8);
      const j = JSON.parse(h.toString()) as { key: string; rows: number; maxRowid: number };
      return { key: j.key, rows: j.rows, maxRowid: j.maxRowid };
    } catch {
      return null;
    } finally {
      await fh?.close();
    }
  }

  /** Loads a saved index when its key still matches, else null. */
  static async load(path: string, key: string, stemmer?: Fts5Stemmer, boundWeights?: Bm25Weights): Promise<MemoryBm25Index | null> {
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch {
      return null;
    }
    if (buf.subarray(0, 4).toString() !== 'PBBM') return null;
    const hl = buf.readUInt32LE(4);
    const h = JSON.parse(buf.subarray(8, 8 + hl).toString()) as {
      format: number;
      boundAvgdl?: number | null;
      boundWeights?: Bm25Weights;
      key: string;
      rows: number;
      tokens: number;
      ftsTokens: number | null;
      maxRowid: number;
      stemmed: string[];
      exact: string[];
      ids?: number | null;
      titleChecks?: boolean;
    };
    if (h.key !== key) return null;
    const out = new MemoryBm25Index(stemmer, boundWeights);
    let at = 8 + hl;
    const ints = (n: number) => {
      const a = new Int32Array(Math.max(n, 1));
      new Uint8Array(a.buffer).set(buf.subarray(at, at + n * 4));
      at += n * 4;
      return a;
    };
    for (const [p, terms] of [
      [out.stemmed, h.stemmed],
      [out.exact, h.exact],
    ] as const) {
      const n = terms.length;
      p.lens = ints(n);
      p.last = ints(n);
      p.df = ints(n);
      p.bufs = new Array(n);
      p.shared = true;
      for (let t = 0; t < n; t++) {
        p.termOf.set(terms[t], t);
        // A copy of the bytes, so one list growing does not keep the whole file alive.
        p.bufs[t] = p.copyBytes(buf.subarray(at, at + p.lens[t]));
        at += p.lens[t];
      }
    }
    out.stemOf = ints(h.exact.length);
    out.len = sharedInts(ints(h.maxRowid + 1));
    out.titleHash = ints(h.maxRowid + 1);
    out.rows = h.rows;
    out.tokens = h.tokens;
    out.ftsTokens = h.ftsTokens ?? NaN;
    out.maxRowid = h.maxRowid;
    for (let r = 0; r <= out.maxRowid; r++) if (out.len[r] > 0) out.addTitle(r);
    const w = h.boundWeights;
    const bounded = h.format >= 2 && typeof h.boundAvgdl === 'number';
    if (h.format >= 2) {
      // Saved skip entries and block maxima: no pass over the postings (seconds at a million papers).
      for (const p of [out.stemmed, out.exact]) {
        for (let t = 0; t < p.terms; t++) {
          if (p.df[t] <= SKIP) continue;
          const n = p.skipCount(t);
          p.skips.set(t, ints(2 * n));
          if (bounded) {
            const bm = new Float32Array(n + 1);
            new Uint8Array(bm.buffer).set(buf.subarray(at, at + 4 * (n + 1)));
            at += 4 * (n + 1);
            p.blockMax.set(t, bm);
          }
        }
      }
    } else {
      out.stemmed.buildSkips();
      out.exact.buildSkips();
    }
    if (h.format >= 3 && typeof h.ids === 'number') {
      out.idOff = ints(h.maxRowid + 2);
      out.idBytes = Buffer.from(buf.subarray(at, at + h.ids));
      out.idEnd = h.ids;
      at += h.ids;
    } else out.idsComplete = false;
    if (h.format >= 4 && h.titleChecks === true) out.titleCheck = ints(h.maxRowid + 1);
    else out.titleChecked = false;
    const ow = out.boundWeights;
    if (bounded && w && w.title === ow.title && w.abstract === ow.abstract && w.authors === ow.authors) out.boundAvgdl = h.boundAvgdl!;
    else out.computeBounds();
    return out;
  }
}
