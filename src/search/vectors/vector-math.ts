/** Small Float32 kernels shared by the embedder and the vector index. */
import { seededRandom } from '../../util/prng.js';

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

// IEEE 754 half precision, for storing model weights at half the size (Node 20 has no Float16Array).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The half-precision bits of x, rounded to nearest even (overflow gives infinity, NaN stays NaN). */
export function toHalf(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa rolls into the exponent, which is the correct rounding.
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/** The number that half-precision bits h stand for. */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let halfTable: Float32Array | null = null;

/** Every half's value, indexed by its bits: one lookup instead of a fromHalf call per weight. */
function halfValues(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(0x10000);
    for (let h = 0; h < 0x10000; h++) halfTable[h] = fromHalf(h);
  }
  return halfTable;
}

/**
 * Decodes `count` little-endian halves from `bytes` (any offset). Calling fromHalf per weight made
 * loading a 70k-word model take 2.8 s.
 */
export function halvesToFloats(bytes: Uint8Array, count: number, out: Float32Array = new Float32Array(count)): Float32Array {
  const table = halfValues();
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2);
  for (let i = 0; i < count; i++) out[i] = table[view.getUint16(i * 2, true)];
  return out;
}

/** Rounds each value in place to the nearest half, as saving and loading it would. */
export function roundToHalf(v: Float32Array): void {
  const table = halfValues();
  for (let i = 0; i < v.length; i++) v[i] = table[toHalf(v[i])];
}

/**
 * Eigen-decomposition of a symmetric n x n matrix (row-major, overwritten) by cyclic Jacobi
 * rotations. Returns the eigenvalues and the eigenvectors as the columns of `vectors` (row-major).
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i] * a[i * n + i];
      for (let j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
    }
    if (off <= 1e-22 * diag) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const x = a[k * n + p];
          const y = a[k * n + q];
          a[k * n + p] = c * x - s * y;
          a[k * n + q] = s * x + c * y;
        }
        for (let k = 0; k < n; k++) {
          const x = a[p * n + k];
          const y = a[q * n + k];
          a[p * n + k] = c * x - s * y;
          a[q * n + k] = s * x + c * y;
        }
        for (let k = 0; k < n; k++) {
          const x = v[k * n + p];
          const y = v[k * n + q];
          v[k * n + p] = c * x - s * y;
          v[k * n + q] = s * x + c * y;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/**
 * Orthogonal Procrustes: the rotation R (dim x dim, row-major) that minimises ||source R - target||
 * over `rows` rows of `dim` columns, R = M (M^T M)^-1/2 with M = source^T target. Two embedding
 * tables trained from different random starts learn the same geometry in different orientations;
 * this turns one onto the other.
 */
export function procrustesRotation(target: Float32Array, source: Float32Array, rows: number, dim: number): Float64Array {
  const m = new Float64Array(dim * dim);
  // Four rows at a time: a quarter of the reads and writes of m.
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const o0 = r * dim;
    const o1 = o0 + dim;
    const o2 = o1 + dim;
    const o3 = o2 + dim;
    for (let a = 0; a < dim; a++) {
      const x0 = source[o0 + a];
      const x1 = source[o1 + a];
      const x2 = source[o2 + a];
      const x3 = source[o3 + a];
      const ma = a * dim;
      for (let b = 0; b < dim; b++) m[ma + b] += x0 * target[o0 + b] + x1 * target[o1 + b] + x2 * target[o2 + b] + x3 * target[o3 + b];
    }
  }
  for (; r < rows; r++) {
    const o = r * dim;
    for (let a = 0; a < dim; a++) {
      const x = source[o + a];
      const ma = a * dim;
      for (let b = 0; b < dim; b++) m[ma + b] += x * target[o + b];
    }
  }
  const g = new Float64Array(dim * dim);
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += m[k * dim + a] * m[k * dim + b];
      g[a * dim + b] = s;
      g[b * dim + a] = s;
    }
  }
  const { values, vectors } = symmetricEigen(g, dim);
  const floor = Math.max(...values) * 1e-12;
  // (M^T M)^-1/2 = W diag(1 / sqrt(lambda)) W^T
  const h = new Float64Array(dim * dim);
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      let s = 0;
      for (let e = 0; e < dim; e++) s += (vectors[a * dim + e] * vectors[b * dim + e]) / Math.sqrt(Math.max(values[e], floor));
      h[a * dim + b] = s;
      h[b * dim + a] = s;
    }
  }
  const rot = new Float64Array(dim * dim);
  for (let a = 0; a < dim; a++) {
    for (let k = 0; k < dim; k++) {
      const x = m[a * dim + k];
      for (let b = 0; b < dim; b++) rot[a * dim + b] += x * h[k * dim + b];
    }
  }
  return rot;
}

/** `rows` x `dim` table times a dim x dim rotation, added into `out`. */
export function addRotated(table: Float32Array, rot: Float64Array, rows: number, dim: number, out: Float32Array): void {
  const row = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    row.fill(0);
    // Four rows of the rotation at a time: a quarter of the reads and writes of row.
    let a = 0;
    for (; a + 3 < dim; a += 4) {
      const x0 = table[o + a];
      const x1 = table[o + a + 1];
      const x2 = table[o + a + 2];
      const x3 = table[o + a + 3];
      const r0 = a * dim;
      const r1 = r0 + dim;
      const r2 = r1 + dim;
      const r3 = r2 + dim;
      for (let b = 0; b < dim; b++) row[b] += x0 * rot[r0 + b] + x1 * rot[r1 + b] + x2 * rot[r2 + b] + x3 * rot[r3 + b];
    }
    for (; a < dim; a++) {
      const x = table[o + a];
      const ra = a * dim;
      for (let b = 0; b < dim; b++) row[b] += x * rot[ra + b];
    }
    for (let b = 0; b < dim; b++) out[o + b] += row[b];
  }
}

/**
 * Rocchio feedback in embedding space: query + weight * mean(top hits' vectors), renormalised. The top
 * lexical hits of a query are usually on its subject even when the query's own words are few or
 * unusual, so their vectors pull the query towards the right region of the space.
 */
export function feedbackQuery(query: Float32Array, hits: Float32Array[], weight: number): Float32Array {
  const out = Float32Array.from(query);
  if (hits.length === 0 || weight === 0) return out;
  const w = weight / hits.length;
  for (const h of hits) for (let d = 0; d < out.length; d++) out[d] += w * h[d];
  let n = 0;
  for (let d = 0; d < out.length; d++) n += out[d] * out[d];
  n = Math.sqrt(n);
  if (n > 0) for (let d = 0; d < out.length; d++) out[d] /= n;
  return out;
}
