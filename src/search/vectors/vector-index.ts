import { TopK, dot } from './vector-math.js';

export interface VectorHit {
  index: number;
  score: number;
}

/** Nearest neighbours by dot product over unit vectors (= cosine). */
export interface VectorIndex {
  readonly dim: number;
  readonly size: number;
  search(query: Float32Array, k: number): VectorHit[];
}

/** Exact scan: exact and fast enough below ~100k vectors (one 256-d dot product is ~100 ns). */
export class ExactVectorIndex implements VectorIndex {
  constructor(
    readonly dim: number,
    readonly vectors: Float32Array,
  ) {}
  get size(): number {
    return this.vectors.length / this.dim;
  }
  search(query: Float32Array, k: number): VectorHit[] {
    const top = new TopK(Math.min(k, this.size));
    const { dim, vectors } = this;
    for (let i = 0, n = this.size; i < n; i++) top.push(i, dot(query, 0, vectors, i * dim, dim));
    return top.sorted();
  }
  /** Score of one stored vector against the query. */
  score(query: Float32Array, index: number): number {
    return dot(query, 0, this.vectors, index * this.dim, this.dim);
  }
}
