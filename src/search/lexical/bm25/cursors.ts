import { B, K1 } from './formula.js';
import { SKIP } from './postings.js';

// Reading a query's posting lists side by side, in rowid order: decoding postings, jumping over
// blocks through the skip entries, and adding bm25 terms into a window of scores (top-k.ts).

/** cursor row of a list that has no postings left */
export const END = 0x7fffffff;

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

/**
 * Cursors over the posting lists of one query, in parallel arrays: list j is at the posting of row
 * row[j] (END when done), whose weighted count f[j] = sum of column weight * occurrences; the
 * posting after it starts at byte pos[j].
 */
export class Cursors {
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
  addUpTo(
    j: number,
    top: number,
    acc: Float64Array,
    base: number,
    touched: Int32Array,
    idf: number,
    len: Int32Array,
    avgdl: number,
    others: number,
    theta: number,
  ): void {
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
