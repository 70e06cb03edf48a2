import type { VectorSnapshot } from '../vectors/vector-store.js';

// What the search threads' pool (pool.ts) and a search thread (worker-thread.ts) send each other.

/** A corpus model as a thread rebuilds it: its vectors on shared memory, the rest copied once. */
export interface SharedModel {
  vocab: string[];
  idf: Float32Array;
  dim: number;
  vectors: Float32Array;
  version: string;
}

export type ThreadMessage =
  | { t: 'model'; key: number; model: SharedModel }
  | { t: 'vectors'; key: number; snapshot: Omit<VectorSnapshot, 'key'> }
  | { t: 'drop'; what: 'model' | 'vectors'; key: number }
  | { t: 'job'; id: number; job: ThreadJob };

export type ThreadJob =
  | { kind: 'embed'; model: number; text: string }
  | { kind: 'soft'; model: number; query: string; docs: { title: string; abstract: string }[] }
  | { kind: 'sentence'; model: number; query: string; docs: { title: string; abstract: string }[] }
  | {
      kind: 'vectors';
      vectors: number;
      query: Float32Array;
      /** rows of the feedback papers (-1: no vector) */
      feedback: Int32Array;
      feedbackWeight: number;
      k: number;
      /** rows of the candidates whose similarity is asked (-1: no vector) */
      candidates: Int32Array;
    };

export interface VectorsResult {
  epoch: number;
  topRows: Int32Array;
  topScores: Float32Array;
  /** per candidate; NaN where it has no vector */
  candidateScores: Float64Array;
}

export type ThreadResult = Float32Array | number[] | VectorsResult;

export interface ThreadAnswer {
  id: number;
  result?: ThreadResult;
  error?: string;
}
