import { fileURLToPath } from 'node:url';
import { addRotated, procrustesRotation, roundToHalf } from '../vectors/vector-math.js';
import { CorpusModel } from './model.js';

// The base model: a corpus model trained on the arXiv text of ../shared/data (scripts/train-base-model.ts),
// shipped in the repository. An instance searches with it until it has a model of its own, and every
// model trained on the instance's papers is merged with it (mergeWithBase), so that a small
// instance's model knows the word relations of 65,000 papers and not only those of its own.

/** The shipped base model. */
export const BASE_MODEL_FILE = fileURLToPath(new URL('../../../../models/base.pbem', import.meta.url));

export interface MergeOptions {
  /** the base's share of a word both models know (the instance's own vector has the rest) */
  baseWeight: number;
  /** whether words only the base knows join the vocabulary (a query may use a word no paper here has) */
  baseWords: boolean;
}

export const DEFAULT_MERGE: MergeOptions = { baseWeight: 0.5, baseWords: true };

/**
 * How a model trained here starts from the base (EMBEDDER_BASE_START): `merge` trains from random
 * and merges the result with the base (DEFAULT_MERGE); `warm` starts training from the base's
 * vectors for the words it knows, then adds the words only the base knows (WARM_MERGE).
 */
export type BaseStart = 'warm' | 'merge';
export const BASE_STARTS: readonly BaseStart[] = ['warm', 'merge'];

/** The base model a model trained here starts from or is merged with, and how. */
export interface BaseUse {
  file: string;
  start: BaseStart;
}

/**
 * The merge after a warm start: the trained vectors already hold the base's relations (they
 * started there), so the shared words keep them as trained; the words only the base knows join.
 */
export const WARM_MERGE: MergeOptions = { baseWeight: 0, baseWords: true };

/**
 * One model from the instance's own and the base: the base's word table is turned onto the own
 * model's orientation by the words both know (orthogonal Procrustes, as the members of a training
 * are combined), scaled to the own vectors' mean length, and averaged into the shared words; the
 * own model's idf (its papers' statistics) is kept. Its version is the own model's, `+base`, so that
 * it still says how many of the instance's papers it was trained on.
 */
export function mergeWithBase(own: CorpusModel, base: CorpusModel, options: Partial<MergeOptions> = {}): CorpusModel {
  const { baseWeight, baseWords } = { ...DEFAULT_MERGE, ...options };
  if (!(baseWeight >= 0 && baseWeight <= 1)) throw new Error(`search: the base model's weight must be 0 to 1, not ${baseWeight}`);
  if (own.dim !== base.dim) throw new Error(`search: the base model has ${base.dim} dimensions and this one ${own.dim}: they cannot be merged`);
  const dim = own.dim;
  const pairs: [number, number][] = [];
  own.vocab.forEach((w, i) => {
    const j = base.index.get(w);
    if (j !== undefined) pairs.push([i, j]);
  });
  const version = `${own.version}+base`;
  if (pairs.length < dim) return own.withVersion(version); // too few shared words to align by
  const A = new Float32Array(pairs.length * dim);
  const B = new Float32Array(pairs.length * dim);
  let na = 0;
  let nb = 0;
  pairs.forEach(([i, j], k) => {
    A.set(own.vectors.subarray(i * dim, (i + 1) * dim), k * dim);
    B.set(base.vectors.subarray(j * dim, (j + 1) * dim), k * dim);
  });
  for (let x = 0; x < A.length; x++) {
    na += A[x] * A[x];
    nb += B[x] * B[x];
  }
  const scale = nb > 0 ? Math.sqrt(na / nb) : 1;
  const rotated = new Float32Array(base.vectors.length);
  addRotated(base.vectors, procrustesRotation(A, B, pairs.length, dim), base.vocab.length, dim, rotated);
  const extra = baseWords ? base.vocab.map((_, j) => j).filter((j) => !own.index.has(base.vocab[j])) : [];
  const V = own.vocab.length + extra.length;
  const E = new Float32Array(V * dim);
  E.set(own.vectors);
  for (const [i, j] of pairs) {
    for (let d = 0; d < dim; d++) E[i * dim + d] = (1 - baseWeight) * own.vectors[i * dim + d] + baseWeight * scale * rotated[j * dim + d];
  }
  const idf = new Float32Array(V);
  idf.set(own.idf);
  extra.forEach((j, k) => {
    const row = own.vocab.length + k;
    for (let d = 0; d < dim; d++) E[row * dim + d] = scale * rotated[j * dim + d];
    idf[row] = base.idf[j];
  });
  roundToHalf(E);
  return new CorpusModel([...own.vocab, ...extra.map((j) => base.vocab[j])], idf, dim, E, version);
}
