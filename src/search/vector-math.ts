/** Small Float32 kernels shared by the embedder and the vector index. */
import { seededRandom } from '../util/prng.js';

export function dot(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    s0 += a[aOff + i] * b[bOff + i];
    s1 += a[aOff + i + 1] * b[bOff + i + 1];
    s2 += a[aOff + i + 2] * b[bOff + i + 2];
    s3 += a[aOff + i + 3] * b[bOff + i + 3];
  }
  for (; i < dim; i++) s0 += a[aOff + i] * b[bOff + i];
  return s0 + s1 + s2 + s3;
}

/** Normalises v in place to unit length; returns the original norm (0 leaves v untouched). */
export function normalize(v: Float32Array, off = 0, dim = v.length): number {
  let s = 0;
  for (let i = 0; i < dim; i++) s += v[off + i] * v[off + i];
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < dim; i++) v[off + i] /= n;
  return n;
}

/** Deterministic PRNG (mulberry32) so training and tests are reproducible. */
export const rng = seededRandom;

export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Top-k by score with a binary min-heap: O(n log k). Returns indices sorted best first. */
export class TopK {
  private readonly idx: Int32Array;
  private readonly score: Float32Array;
  size = 0;
  constructor(readonly k: number) {
    this.idx = new Int32Array(k);
    this.score = new Float32Array(k);
  }
  /** The score a candidate must beat to enter (−Infinity until full). */
  threshold(): number {
    return this.size < this.k ? -Infinity : this.score[0];
  }
  push(i: number, s: number): void {
    const { idx, score, k } = this;
    if (k === 0) return;
    if (this.size < k) {
      let c = this.size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (score[p] <= s) break;
        idx[c] = idx[p];
        score[c] = score[p];
        c = p;
      }
      idx[c] = i;
      score[c] = s;
      return;
    }
    if (s <= score[0]) return;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= k) break;
      const r = l + 1;
      const m = r < k && score[r] < score[l] ? r : l;
      if (score[m] >= s) break;
      idx[c] = idx[m];
      score[c] = score[m];
      c = m;
    }
    idx[c] = i;
    score[c] = s;
  }
  /** Results best first. */
  sorted(): { index: number; score: number }[] {
    const out: { index: number; score: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ index: this.idx[i], score: this.score[i] });
    return out.sort((a, b) => b.score - a.score || a.index - b.index);
  }
}
