import { readFile } from 'node:fs/promises';
import { TopK, dot, normalize, rng } from './vector-math.js';
import type { VectorHit, VectorIndex } from './vector-index.js';
import { writeWhole } from '../../util/write-whole.js';

/**
 * Inverted-file ANN index: k-means centroids over unit vectors; a query scans the `nprobe` lists
 * whose centroids are closest. The index reads the caller's vectors (no copy); once the caller lets
 * `compact` move them into list order, a probe is a contiguous scan.
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
    /** the rows of each list, list after list */
    readonly order: Int32Array,
    /**
     * The vectors themselves, row after row: the caller's array, not a copy (at 1M 256-d vectors a
     * copy is another gigabyte). `rebind` follows the caller when it moves them to a larger array.
     */
    private vectors: Float32Array,
    nprobe = 24,
  ) {
    if (vectors.length < order.length * dim) throw new Error(`search: IVF index over ${order.length} rows given ${vectors.length / dim} vectors`);
    this.nprobe = nprobe;
  }

  /** Point at the same rows in a new array (rows are never moved, only appended after). */
  rebind(vectors: Float32Array): void {
    if (vectors.length < this.size * this.dim) throw new Error('search: IVF rebind to fewer vectors than it indexes');
    this.vectors = vectors;
  }

  get size(): number {
    return this.order.length;
  }

  /**
   * Moves the vectors into list order, in place, so each list is one contiguous run: scattered over
   * a gigabyte, the rows of 24 lists scan about half as fast. Afterwards row r holds what row
   * `moved[r]` held; the caller relabels its rows with the returned `moved`.
   */
  compact(): Int32Array {
    const moved = this.order.slice();
    permuteRows(this.vectors, this.dim, moved);
    for (let r = 0; r < this.order.length; r++) this.order[r] = r;
    return moved;
  }

  /** Similarity of the query to the vector of row `row` (for fusion of lexical candidates). */
  score(query: Float32Array, row: number): number {
    return dot(query, 0, this.vectors, row * this.dim, this.dim);
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
    for (let i = 0; i < n; i++) order[fill[listOf[i]]++] = i;
    return new IvfVectorIndex(dim, C, offsets, order, vectors);
  }

  search(query: Float32Array, k: number): VectorHit[] {
    const { dim } = this;
    const probe = new TopK(Math.min(this.nprobe, this.lists));
    for (let c = 0; c < this.lists; c++) probe.push(c, dot(query, 0, this.centroids, c * dim, dim));
    const top = new TopK(Math.min(k, this.size));
    const { order, vectors } = this;
    for (const { index: c } of probe.sorted()) {
      for (let at = this.offsets[c]; at < this.offsets[c + 1]; at++) top.push(order[at], dot(query, 0, vectors, order[at] * dim, dim));
    }
    return top.sorted();
  }

  /**
   * Writes the index (JSON header, centroids, list offsets, and the paper id of each list entry; the
   * vectors stay in the database) so a restart with unchanged vectors does not rebuild it. Ids, not
   * row numbers: a restart reads the rows in another order.
   */
  async save(path: string, key: string, idOf: (row: number) => string): Promise<void> {
    const header = Buffer.from(JSON.stringify({ format: 3, key, dim: this.dim, lists: this.lists, size: this.size }));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    const part = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const ids = Buffer.from(Array.from(this.order, idOf).join('\n'));
    await writeWhole(path, Buffer.concat([Buffer.from('PBIV'), len, header, part(this.centroids), part(this.offsets), ids]));
  }

  /**
   * Loads a saved index over `vectors` if its key (e.g. model version + vector count + last update)
   * still matches and every saved paper id has a row.
   */
  static async load(path: string, key: string, vectors: Float32Array, rowOf: (id: string) => number | undefined): Promise<IvfVectorIndex | null> {
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch {
      return null;
    }
    if (buf.subarray(0, 4).toString() !== 'PBIV') return null;
    const len = buf.readUInt32LE(4);
    const h = JSON.parse(buf.subarray(8, 8 + len).toString()) as { format: number; key: string; dim: number; lists: number; size: number };
    if (h.format !== 3 || h.key !== key || vectors.length < h.size * h.dim) return null;
    let at = 8 + len;
    const take = <T extends Float32Array | Int32Array>(Ctor: new (n: number) => T, count: number): T => {
      const out = new Ctor(count);
      new Uint8Array(out.buffer).set(buf.subarray(at, at + count * 4));
      at += count * 4;
      return out;
    };
    const centroids = take(Float32Array, h.lists * h.dim);
    const offsets = take(Int32Array, h.lists + 1);
    const ids = buf.subarray(at).toString().split('\n');
    if (ids.length !== h.size) return null;
    const order = new Int32Array(h.size);
    for (let i = 0; i < ids.length; i++) {
      const row = rowOf(ids[i]);
      if (row === undefined || row >= h.size) return null;
      order[i] = row;
    }
    return new IvfVectorIndex(h.dim, centroids, offsets, order, vectors);
  }
}

/** Row r of `v` becomes what row from[r] was, in place with one spare vector (cycle by cycle). */
export function permuteRows(v: Float32Array, dim: number, from: Int32Array): void {
  const done = new Uint8Array(from.length);
  const spare = new Float32Array(dim);
  for (let start = 0; start < from.length; start++) {
    if (done[start]) continue;
    spare.set(v.subarray(start * dim, (start + 1) * dim));
    for (let at = start; ; ) {
      done[at] = 1;
      const src = from[at];
      if (src === start) {
        v.set(spare, at * dim);
        break;
      }
      v.copyWithin(at * dim, src * dim, (src + 1) * dim);
      at = src;
    }
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
