import { type Bm25Weights, termBound } from './formula.js';

// One FTS5 table's posting lists in memory: how a posting is encoded (varint row gaps and packed
// column counts), the skip entries every SKIP postings and the block maxima that bound a block's
// bm25 terms, in shared memory where a worker thread reads them.

/** Postings per block: a skip entry and a block maximum for each. */
export const SKIP = 64;

/**
 * Posting lists from this size up live in shared memory, so that the worker thread of searchSplit
 * reads them where they are; shorter ones are copied into its message (one list per query word,
 * so a few hundred KiB at most). With 1 KiB here, the many shared buffers a bulk build outgrows
 * added 570 MB to the RSS after building the index of 1M papers.
 */
export const SHARED_MIN_BYTES = 64 * 1024;

/** A copy of `a` in shared memory; at least `min` long, and then at least twice as long as `a`. */
export function sharedInts(a: Int32Array, min = a.length): Int32Array {
  const n = min > a.length ? Math.max(min, 2 * a.length) : a.length;
  const out = new Int32Array(new SharedArrayBuffer(4 * Math.max(n, 1)));
  out.set(a);
  return out;
}

export function grow(a: Int32Array, min: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(Math.max(min, a.length * 2));
  out.set(a);
  return out;
}

export function putVarint(buf: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

/**
 * One FTS5 table's postings: per term a byte list of (rowid gap as varint, per-column counts) in
 * rowid order. Counts are one byte `title<<6 | abstract<<2 | authors` when they fit (never 0, since a
 * posting has an occurrence), else a 0 byte and three varints.
 */
export class Postings {
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
