import { B, type Bm25Weights, K1, type RowHit } from './formula.js';
import { Cursors, END, type ListData } from './cursors.js';

// The top k rows of an OR-query over posting lists: MaxScore over windows of rows with block
// maxima, optionally over one part of the rows while another thread searches the rest.

/** rows scored together, term at a time: 32 KiB of scores, which stay in the CPU's cache */
const WINDOW = 4096;
/** a common list is read whole over a window when it has fewer than DENSE postings there per row in the running */
const DENSE = 8;

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
 * rows in it, of those that can be in the best `limit` of all rows (see RowPart). Rows marked in
 * `dead` are left out.
 */
export function topRows(
  lists: ListData[],
  len: Int32Array,
  avgdl: number,
  weights: Bm25Weights,
  limit: number,
  scratch: Scratch,
  part?: RowPart,
  dead?: Uint8Array,
): RowHit[] {
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
        // A row whose paper changed or went since it was added (see MemoryBm25Index.kill).
        if (dead !== undefined && d < dead.length && dead[d] === 1) continue;
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
export function mergeTop(a: RowHit[], b: RowHit[], limit: number): RowHit[] {
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
