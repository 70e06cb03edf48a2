import type { Bm25Weights, MemoryBm25Index, RowHit } from '../src/search/bm25-memory.js';

// MemoryBm25Index.search as it was before document-at-a-time scoring (term at a time, MaxScore over the
// list bounds idf * (k1 + 1)), frozen as the baseline of the lexical-latency bench. It reads the
// index's postings, which kept their format.

const K1 = 1.2;
const B = 0.75;
const SKIP = 64;

interface Postings {
  termOf: Map<string, number>;
  bufs: Uint8Array[];
  lens: Int32Array;
  df: Int32Array;
}
interface Internals {
  stemmed: Postings;
  exact: Postings;
  len: Int32Array;
  rows: number;
  tokens: number;
  maxRowid: number;
  stemmer: { stem(w: string): string };
}
interface Skips {
  prev: Int32Array;
  off: Int32Array;
  n: number;
  bytes: number;
}
interface ScoreContext {
  avgdl: number;
  wT: number;
  wA: number;
  wU: number;
}

let acc = new Float64Array(0);
let touched = new Int32Array(0);
const skipCache = new WeakMap<Postings, Map<number, Skips>>();
const cursor = { at: 0 };

function readCounts(buf: Uint8Array, wT: number, wA: number, wU: number): number {
  let at = cursor.at;
  let f = 0;
  for (let k = 0; k < 3; k++) {
    let x = buf[at++];
    let val = x & 0x7f;
    for (let shift = 7; x & 0x80; shift += 7) {
      x = buf[at++];
      val |= (x & 0x7f) << shift;
    }
    f += (k === 0 ? wT : k === 1 ? wA : wU) * val;
  }
  cursor.at = at;
  return f;
}

function topK(rows: Int32Array, count: number, k: number): RowHit[] {
  const hr = new Int32Array(k);
  const hs = new Float64Array(k);
  let n = 0;
  const worse = (sa: number, ra: number, sb: number, rb: number) => sa < sb || (sa === sb && ra > rb);
  for (let i = 0; i < count; i++) {
    const r = rows[i];
    const s = acc[r];
    if (n < k) {
      let j = n++;
      while (j > 0) {
        const p = (j - 1) >> 1;
        if (!worse(s, r, hs[p], hr[p])) break;
        hs[j] = hs[p];
        hr[j] = hr[p];
        j = p;
      }
      hs[j] = s;
      hr[j] = r;
    } else if (worse(hs[0], hr[0], s, r)) {
      let j = 0;
      for (;;) {
        const l = 2 * j + 1;
        if (l >= n) break;
        const c = l + 1 < n && worse(hs[l + 1], hr[l + 1], hs[l], hr[l]) ? l + 1 : l;
        if (!worse(hs[c], hr[c], s, r)) break;
        hs[j] = hs[c];
        hr[j] = hr[c];
        j = c;
      }
      hs[j] = s;
      hr[j] = r;
    }
  }
  const out: RowHit[] = [];
  for (let i = 0; i < n; i++) out.push({ rowid: hr[i], score: hs[i] });
  return out.sort((a, b) => b.score - a.score || a.rowid - b.rowid);
}

function kthBest(rows: Int32Array, count: number, k: number): number {
  const top = topK(rows, count, k);
  return top[top.length - 1].score;
}

export function legacySearch(index: MemoryBm25Index, terms: string[], weights: Bm25Weights, limit: number, exact: boolean): RowHit[] {
  const ix = index as unknown as Internals;
  const p = exact ? ix.exact : ix.stemmed;
  if (acc.length < ix.maxRowid + 1) {
    acc = new Float64Array(ix.maxRowid + 1);
    touched = new Int32Array(ix.maxRowid + 1);
  }
  const lists: { t: number; idf: number; ub: number }[] = [];
  for (const term of terms) {
    const t = p.termOf.get(exact ? term : ix.stemmer.stem(term));
    if (t === undefined) continue;
    const nHit = p.df[t];
    let idf = Math.log((ix.rows - nHit + 0.5) / (nHit + 0.5));
    if (idf <= 0.0) idf = 1e-6;
    lists.push({ t, idf, ub: idf * (K1 + 1.0) });
  }
  lists.sort((a, b) => b.ub - a.ub);
  const rest = new Float64Array(lists.length + 1);
  for (let j = lists.length - 1; j >= 0; j--) rest[j] = rest[j + 1] + lists[j].ub;
  const ctx = { avgdl: ix.tokens / ix.rows, wT: weights.title, wA: weights.abstract, wU: weights.authors };
  let count = 0;
  let j = 0;
  let theta = -Infinity;
  for (; j < lists.length; j++) {
    if (count >= limit) {
      theta = kthBest(touched, count, limit);
      if (theta >= rest[j]) break;
    }
    count = scoreAll(ix, p, lists[j].t, lists[j].idf, ctx, count);
  }
  let rows = touched;
  let n = count;
  if (j < lists.length) {
    let cand = new Int32Array(count);
    let m = 0;
    for (let i = 0; i < count; i++) if (acc[touched[i]] + rest[j] >= theta) cand[m++] = touched[i];
    cand = cand.slice(0, m).sort();
    for (; j < lists.length; j++) {
      scoreSome(ix, p, lists[j].t, lists[j].idf, ctx, cand, m);
      if (m > limit) {
        theta = kthBest(cand, m, limit);
        let k = 0;
        for (let i = 0; i < m; i++) if (acc[cand[i]] + rest[j + 1] >= theta) cand[k++] = cand[i];
        m = k;
      }
    }
    rows = cand;
    n = m;
  }
  const out = topK(rows, n, limit);
  for (let i = 0; i < count; i++) acc[touched[i]] = 0;
  return out;
}

function scoreAll(ix: Internals, p: Postings, t: number, idf: number, ctx: ScoreContext, count: number): number {
  const len = ix.len;
  const { avgdl, wT, wA, wU } = ctx;
  const buf = p.bufs[t];
  const end = p.lens[t];
  let at = 0;
  let row = -1;
  while (at < end) {
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
      f = wT * (c >> 6) + wA * ((c >> 2) & 15) + wU * (c & 3);
    } else {
      cursor.at = at;
      f = readCounts(buf, wT, wA, wU);
      at = cursor.at;
    }
    const D = len[row];
    const s = idf * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + (B * D) / avgdl)));
    if (acc[row] === 0) touched[count++] = row;
    acc[row] += s;
  }
  return count;
}

function scoreSome(ix: Internals, p: Postings, t: number, idf: number, ctx: ScoreContext, cand: Int32Array, m: number): void {
  const len = ix.len;
  const { avgdl, wT, wA, wU } = ctx;
  const buf = p.bufs[t];
  const end = p.lens[t];
  const sk = skipsOf(p, t);
  let blk = 0;
  let at = 0;
  let row = -1;
  for (let i = 0; i < m; i++) {
    const r = cand[i];
    if (r <= row) continue;
    let nb = blk;
    while (nb + 1 < sk.n && sk.prev[nb + 1] < r) nb++;
    if (nb > blk && sk.off[nb] > at) {
      at = sk.off[nb];
      row = sk.prev[nb];
    }
    blk = nb;
    while (at < end) {
      let pos = at;
      let b = buf[pos++];
      let gap = b & 0x7f;
      for (let shift = 7; b & 0x80; shift += 7) {
        b = buf[pos++];
        gap |= (b & 0x7f) << shift;
      }
      const next = row + gap;
      if (next > r) break;
      const c = buf[pos++];
      let f: number;
      if (c !== 0) {
        f = wT * (c >> 6) + wA * ((c >> 2) & 15) + wU * (c & 3);
      } else {
        cursor.at = pos;
        f = readCounts(buf, wT, wA, wU);
        pos = cursor.at;
      }
      at = pos;
      row = next;
      if (next === r) {
        const D = len[r];
        acc[r] += idf * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + (B * D) / avgdl)));
        break;
      }
    }
    if (at >= end) return;
  }
}

function skipsOf(p: Postings, t: number): Skips {
  let cache = skipCache.get(p);
  if (!cache) skipCache.set(p, (cache = new Map()));
  const have = cache.get(t);
  const end = p.lens[t];
  if (have && have.bytes === end) return have;
  const buf = p.bufs[t];
  const prev: number[] = [];
  const off: number[] = [];
  let at = 0;
  let row = -1;
  for (let k = 0; at < end; k++) {
    if (k % SKIP === 0) {
      prev.push(row);
      off.push(at);
    }
    let b = buf[at++];
    let gap = b & 0x7f;
    for (let shift = 7; b & 0x80; shift += 7) {
      b = buf[at++];
      gap |= (b & 0x7f) << shift;
    }
    row += gap;
    if (buf[at++] === 0) {
      cursor.at = at;
      readCounts(buf, 0, 0, 0);
      at = cursor.at;
    }
  }
  const out = { prev: Int32Array.from(prev), off: Int32Array.from(off), n: prev.length, bytes: end };
  cache.set(t, out);
  return out;
}
