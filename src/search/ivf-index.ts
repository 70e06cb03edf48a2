import { readFile, rename, writeFile } from 'node:fs/promises';
import { TopK, dot, normalize, rng } from './vector-math.js';
import type { VectorHit, VectorIndex } from './vector-index.js';

/**
 * Inverted-file ANN index: k-means centroids over unit vectors; a query scans the `nprobe` lists
 * whose centroids are closest. Vectors are stored grouped by list, so a probe is a contiguous scan.
 * Used above EXACT_SCAN_LIMIT vectors; below it an exact scan is as fast and exact.
 */
export const EXACT_SCAN_LIMIT = 100_000;

export interface IvfOptions {
  lists?: number;
  nprobe?: number;
  iterations?: number;
  sample?: number;
  seed?: number;
}

export class IvfVectorIndex implements VectorIndex {
  nprobe: number;
  constructor(
    readonly dim: number,
    readonly centroids: Float32Array,
    /** list start offsets into `order` (length lists + 1) */
    readonly offsets: Int32Array,
    /** original row index of each stored vector, grouped by list */
    readonly order: Int32Array,
    /** the vectors in `order` order */
    readonly data: Float32Array,
    nprobe = 24,
  ) {
    this.nprobe = nprobe;
  }

  private inverse: Int32Array | null = null;

  /** Where original row `row` is stored in `data` (in vectors, not floats). */
  private positionOf(row: number): number {
    if (!this.inverse) {
      this.inverse = new Int32Array(this.size);
      for (let at = 0; at < this.size; at++) this.inverse[this.order[at]] = at;
    }
    return this.inverse[row];
  }

  get size(): number {
    return this.order.length;
  }

  /** The stored vector of original row `row`. */
  vectorOf(row: number): Float32Array {
    const at = this.positionOf(row);
    return this.data.subarray(at * this.dim, (at + 1) * this.dim);
  }

  /** Similarity of the query to the vector of original row `row` (for fusion of lexical candidates). */
  score(query: Float32Array, row: number): number {
    return dot(query, 0, this.data, this.positionOf(row) * this.dim, this.dim);
  }

  get lists(): number {
    return this.offsets.length - 1;
  }

  static build(dim: number, vectors: Float32Array, opts: IvfOptions = {}): IvfVectorIndex {
    const n = vectors.length / dim;
    // sqrt(n) lists: k-means cost grows with lists x n (2 sqrt(n) took over half an hour to build at
    // 1M 256-d vectors); nprobe 24 of sqrt(n) lists still scans only ~24k vectors per query at 1M.
    const lists = Math.max(1, Math.min(opts.lists ?? Math.round(Math.sqrt(n)), n));
    const rand = rng(opts.seed ?? 1);
    // k-means on a sample, initialised from random distinct rows; spherical (centroids re-normalised).
    const sampleSize = Math.min(n, opts.sample ?? Math.max(lists * 40, 20_000));
    const sample = new Int32Array(sampleSize);
    for (let i = 0; i < sampleSize; i++) sample[i] = sampleSize === n ? i : Math.floor(rand() * n);
    const C = new Float32Array(lists * dim);
    for (let c = 0; c < lists; c++) C.set(vectors.subarray(sample[c % sampleSize] * dim, (sample[c % sampleSize] + 1) * dim), c * dim);
    const assign = new Int32Array(sampleSize);
    for (let it = 0; it < (opts.iterations ?? 8); it++) {
      for (let s = 0; s < sampleSize; s++) assign[s] = nearest(C, lists, dim, vectors, sample[s] * dim);
      const sums = new Float32Array(lists * dim);
      const counts = new Int32Array(lists);
      for (let s = 0; s < sampleSize; s++) {
        const c = assign[s];
        counts[c]++;
        const o = sample[s] * dim;
        for (let d = 0; d < dim; d++) sums[c * dim + d] += vectors[o + d];
      }
      for (let c = 0; c < lists; c++) {
        if (counts[c] === 0) {
          // An empty list takes a random sample point.
          const r = sample[Math.floor(rand() * sampleSize)];
          sums.set(vectors.subarray(r * dim, (r + 1) * dim), c * dim);
        }
        normalize(sums, c * dim, dim);
      }
      C.set(sums);
    }
    const listOf = new Int32Array(n);
    const counts = new Int32Array(lists);
    for (let i = 0; i < n; i++) {
      listOf[i] = nearest(C, lists, dim, vectors, i * dim);
      counts[listOf[i]]++;
    }
    const offsets = new Int32Array(lists + 1);
    for (let c = 0; c < lists; c++) offsets[c + 1] = offsets[c] + counts[c];
    const fill = offsets.slice(0, lists);
    const order = new Int32Array(n);
    const data = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const at = fill[listOf[i]]++;
      order[at] = i;
      data.set(vectors.subarray(i * dim, (i + 1) * dim), at * dim);
    }
    return new IvfVectorIndex(dim, C, offsets, order, data);
  }

  search(query: Float32Array, k: number): VectorHit[] {
    const { dim } = this;
    const probe = new TopK(Math.min(this.nprobe, this.lists));
    for (let c = 0; c < this.lists; c++) probe.push(c, dot(query, 0, this.centroids, c * dim, dim));
    const top = new TopK(Math.min(k, this.size));
    for (const { index: c } of probe.sorted()) {
      for (let at = this.offsets[c]; at < this.offsets[c + 1]; at++) top.push(at, dot(query, 0, this.data, at * dim, dim));
    }
    return top.sorted().map((h) => ({ index: this.order[h.index], score: h.score }));
  }

  /** Writes the index (JSON header + raw arrays) so a restart with unchanged vectors does not rebuild it. */
  async save(path: string, key: string): Promise<void> {
    const header = Buffer.from(JSON.stringify({ format: 1, key, dim: this.dim, lists: this.lists, size: this.size }));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    const part = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, Buffer.concat([Buffer.from('PBIV'), len, header, part(this.centroids), part(this.offsets), part(this.order), part(this.data)]));
    await rename(tmp, path);
  }

  /** Loads a saved index if its key (e.g. model version + vector count + last update) still matches. */
  static async load(path: string, key: string): Promise<IvfVectorIndex | null> {
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch {
      return null;
    }
    if (buf.subarray(0, 4).toString() !== 'PBIV') return null;
    const len = buf.readUInt32LE(4);
    const h = JSON.parse(buf.subarray(8, 8 + len).toString()) as { key: string; dim: number; lists: number; size: number };
    if (h.key !== key) return null;
    let at = 8 + len;
    const take = <T extends Float32Array | Int32Array>(Ctor: new (n: number) => T, count: number): T => {
      const out = new Ctor(count);
      new Uint8Array(out.buffer).set(buf.subarray(at, at + count * 4));
      at += count * 4;
      return out;
    };
    const centroids = take(Float32Array, h.lists * h.dim);
    const offsets = take(Int32Array, h.lists + 1);
    const order = take(Int32Array, h.size);
    const data = take(Float32Array, h.size * h.dim);
    return new IvfVectorIndex(h.dim, centroids, offsets, order, data);
  }
}

function nearest(C: Float32Array, lists: number, dim: number, v: Float32Array, off: number): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let c = 0; c < lists; c++) {
    const s = dot(v, off, C, c * dim, dim);
    if (s > bestScore) {
      bestScore = s;
      best = c;
    }
  }
  return best;
}
