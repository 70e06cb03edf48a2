import { sentences, tokenize } from '../lexical/tokenize.js';
import { addRotated, dot, gaussian, normalize, procrustesRotation, rng, roundToHalf } from '../vectors/vector-math.js';
import { CorpusModel, type SparseText, featuresOf, sumInto } from './model.js';

// Training the corpus model (model.ts) on the instance's papers: the vocabulary, the co-occurrence
// start, the contrastive epochs and combining independently seeded members into one model.

export interface TrainingDoc {
  title: string;
  abstract: string;
}

export interface TrainOptions {
  dim: number;
  maxVocab: number;
  minDf: number;
  bigrams: number; // how many bigram features to keep (0 = none)
  bigramMinDf: number;
  epochs: number;
  batchSize: number;
  temperature: number;
  learningRate: number;
  sentencePairsPerDoc: number;
  /** learning rate falls linearly to this fraction of itself by the last batch (1 = constant) */
  finalLearningRate: number;
  init: 'cooccurrence' | 'random';
  seed: number;
  /**
   * How many models to train, from seeds `seed`, `seed + 1`, ...; their word tables are turned onto
   * the first one's orientation (orthogonal Procrustes) and averaged into one model.
   */
  members: number;
  /**
   * Word vectors to start from (the base model's, for a warm start): the words of the vocabulary
   * that it holds start at its vectors, scaled to a mean length of 1, in place of the random and
   * co-occurrence start; the rest start as without it (their co-occurrence start then averages
   * the known words' vectors). Absent: every word starts at random.
   */
  start?: StartTable;
  onProgress?: (info: { member: number; epoch: number; batch: number; batches: number; loss: number }) => void;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  dim: 256,
  // Every word, even one used by a single paper: on SciFact (5k abstracts) the claims name rare
  // genes and drugs, and minDf 2 dropped half the vocabulary (SciFact train nDCG@10 dense 0.592 ->
  // 0.665, hybrid 0.709 -> 0.721). On paraphrase-dev's 46k papers, whose queries use everyday words,
  // it costs the vector side alone (MRR@10 0.460 -> 0.401) but not hybrid (0.556 -> 0.555 at the
  // lexical weight both sets choose). The cap holds the 69,701 words of those 46k papers; at 1M papers
  // it drops the rarest whole df levels (about 100 MB of vectors at 256-d).
  maxVocab: 100_000,
  minDf: 1,
  bigrams: 0, // bigram features made title-abstract pairs too easy and cost 0.04 SciFact nDCG@10 (dense)
  bigramMinDf: 4,
  epochs: 1,
  batchSize: 256,
  // 0.1 over 0.05: SciFact train nDCG@10 dense 0.567 -> 0.591, paraphrase-dev MRR@10 dense 0.426 -> 0.460
  temperature: 0.1,
  learningRate: 0.05,
  sentencePairsPerDoc: 2,
  finalLearningRate: 1,
  init: 'cooccurrence',
  seed: 1,
  // One model's ranking swings with its random start (paraphrase-dev vector MRR@10 0.38 to 0.51 over
  // seeds). Averaging aligned models takes that noise out, at the members' training time (spread over
  // the cores). Paraphrase-dev hybrid MRR@10 / SciFact train hybrid nDCG@10 (vector alone), soft match
  // at 0.4: 1 member 0.564 / 0.721 (0.401 / 0.664); 5 members 0.610 / 0.726 (0.430 / 0.679);
  // 8 members 0.619 / 0.728 (0.478 / 0.677).
  members: 8,
};

/** Word vectors by word: what a warm start starts from (a CorpusModel's vocab, vectors and dim). */
export interface StartTable {
  vocab: readonly string[];
  vectors: Float32Array;
  dim: number;
}

interface Pair {
  a: SparseText;
  b: SparseText;
  doc: number;
}

/** Builds the vocabulary (unigrams by document frequency, then frequent bigrams) and idf. */
export function buildVocabulary(
  docs: string[][],
  opts: Pick<TrainOptions, 'maxVocab' | 'minDf' | 'bigrams' | 'bigramMinDf'>,
): { vocab: string[]; idf: Float32Array } {
  const df = new Map<string, number>();
  const bdf = new Map<string, number>();
  for (const toks of docs) {
    const seen = new Set(toks);
    for (const t of seen) df.set(t, (df.get(t) ?? 0) + 1);
    if (opts.bigrams > 0) {
      const bs = new Set<string>();
      for (let i = 0; i + 1 < toks.length; i++) bs.add(`${toks[i]}_${toks[i + 1]}`);
      for (const b of bs) bdf.set(b, (bdf.get(b) ?? 0) + 1);
    }
  }
  let uni = [...df].filter(([, c]) => c >= opts.minDf).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (uni.length > opts.maxVocab) {
    // The cap drops whole levels of document frequency, the rarest first: which of many equally
    // rare words stay must not depend on their spelling (ties were cut alphabetically before).
    const firstDropped = uni[opts.maxVocab][1];
    const kept = uni.filter(([, c]) => c > firstDropped);
    uni = kept.length ? kept : uni.slice(0, opts.maxVocab);
  }
  const bi = [...bdf].filter(([, c]) => c >= opts.bigramMinDf).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const chosen = [...uni, ...bi.slice(0, opts.bigrams)];
  const n = docs.length;
  const vocab = chosen.map(([t]) => t);
  const idf = Float32Array.from(chosen, ([, c]) => Math.log(1 + (n - c + 0.5) / (c + 0.5)));
  return { vocab, idf };
}

/** Trains a model on papers. Pure TypeScript; about a minute per 10k papers per epoch on one core. */
export function trainCorpusModel(
  docs: TrainingDoc[],
  options: Partial<TrainOptions> = {},
): {
  model: CorpusModel;
  losses: number[];
} {
  const opts = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  const trained = trainMembers(docs, opts, memberSeeds(opts));
  return { model: combineMembers(trained, opts.dim, docs.length), losses: trained.losses.flat() };
}

/** The seeds of a training run's members. */
export function memberSeeds(opts: Pick<TrainOptions, 'seed' | 'members'>): number[] {
  if (!Number.isInteger(opts.members) || opts.members < 1) throw new Error(`search: members must be a whole number of 1 or more, not ${opts.members}`);
  return Array.from({ length: opts.members }, (_, k) => opts.seed + k);
}

/** Word tables of independently seeded models over one vocabulary (before they are combined). */
export interface TrainedMembers {
  vocab: string[];
  idf: Float32Array;
  tables: Float32Array[];
  /** each member's loss per batch, in the order of `tables` */
  losses: number[][];
}

/** Trains one model per seed; the vocabulary and idf are the same for all. */
export function trainMembers(docs: TrainingDoc[], options: TrainOptions, seeds: number[]): TrainedMembers {
  const fullTokens = docs.map((d) => tokenize(`${d.title}. ${d.title}. ${d.abstract}`));
  const { vocab, idf } = buildVocabulary(fullTokens, options);
  const withPairs = vocab.some((t) => t.includes('_'));
  const index = new Map(vocab.map((t, i) => [t, i]));
  const fullFeatures = fullTokens.map((t) => featuresOf(t, index, idf, withPairs));
  const tables: Float32Array[] = [];
  const losses: number[][] = [];
  seeds.forEach((seed, member) => {
    const r = trainTable(docs, { ...options, seed }, member, { vocab, idf, index, withPairs, fullFeatures });
    tables.push(r.table);
    losses.push(r.losses);
  });
  return { vocab, idf, tables, losses };
}

/**
 * One model from several: each member's table is rotated onto the first member's (the contrastive
 * loss only sees cosines, so two runs differ by a rotation as well as by their noise) and the
 * rotated tables are averaged.
 */
export function combineMembers(
  trained: Pick<TrainedMembers, 'vocab' | 'idf' | 'tables'>,
  dim: number,
  docCount: number,
  onAligned?: (aligned: number, of: number) => void,
): CorpusModel {
  const { vocab, idf, tables } = trained;
  const V = vocab.length;
  if (!tables.length) throw new Error('search: no trained model to combine');
  const E = Float32Array.from(tables[0]);
  for (let k = 1; k < tables.length; k++) {
    addRotated(tables[k], procrustesRotation(tables[0], tables[k], V, dim), V, dim, E);
    onAligned?.(k, tables.length - 1);
  }
  if (tables.length > 1) for (let i = 0; i < E.length; i++) E[i] /= tables.length;
  roundToHalf(E); // what a saved model holds: a model embeds the same before and after saving
  const version = `${new Date().toISOString().slice(0, 10)}-${docCount}d-${V}v-${dim}${tables.length > 1 ? `x${tables.length}` : ''}`;
  return new CorpusModel(vocab, idf, dim, E, version);
}

interface SharedInput {
  vocab: string[];
  idf: Float32Array;
  index: Map<string, number>;
  withPairs: boolean;
  fullFeatures: SparseText[];
}

function trainTable(
  docs: TrainingDoc[],
  opts: TrainOptions,
  member: number,
  { vocab, idf, index, withPairs, fullFeatures }: SharedInput,
): { table: Float32Array; losses: number[] } {
  const rand = rng(opts.seed);
  const { dim } = opts;
  const V = vocab.length;
  const E = new Float32Array(V * dim);

  // Random init, then optionally one co-occurrence pass: a word starts at the (weighted) mean of the
  // random sketches of the papers it occurs in, so words sharing papers start out similar. With a
  // start table the words it knows start at its vectors and only the others take the pass, over
  // the sketches those known words make.
  for (let i = 0; i < E.length; i++) E[i] = gaussian(rand) / Math.sqrt(dim);
  const known = opts.start ? startFrom(opts.start, vocab, dim, E) : null;
  if (opts.init === 'cooccurrence') {
    const next = new Float32Array(V * dim);
    const docVec = new Float32Array(dim);
    const sketch = known ? E.map((x, k) => (known[Math.floor(k / dim)] ? x : 0)) : E;
    for (const f of fullFeatures) {
      sumInto(sketch, dim, f, docVec, 0);
      normalize(docVec);
      for (let j = 0; j < f.ids.length; j++) {
        const base = f.ids[j] * dim;
        const w = f.weights[j];
        for (let d = 0; d < dim; d++) next[base + d] += w * docVec[d];
      }
    }
    for (let i = 0; i < V; i++) {
      const n = normalize(next, i * dim, dim);
      if (n === 0 || known?.[i]) for (let d = 0; d < dim; d++) next[i * dim + d] = E[i * dim + d];
    }
    E.set(next);
  }

  // Self-supervised pairs: (title, abstract) and (one sentence, title + the other sentences), each
  // remembering its paper so that two pairs of one paper are never each other's negatives.
  const pairs: Pair[] = [];
  const feat = (text: string) => featuresOf(tokenize(text), index, idf, withPairs);
  docs.forEach((d, doc) => {
    if (d.title && d.abstract) pairs.push({ a: feat(d.title), b: feat(d.abstract), doc });
    const sents = sentences(d.abstract);
    if (sents.length >= 2) {
      for (let s = 0; s < Math.min(opts.sentencePairsPerDoc, sents.length); s++) {
        const k = Math.floor(rand() * sents.length);
        const rest = sents.filter((_, i) => i !== k).join(' ');
        pairs.push({ a: feat(sents[k]), b: feat(`${d.title}. ${rest}`), doc });
      }
    }
  });
  const usable = pairs.filter((p) => p.a.ids.length > 0 && p.b.ids.length > 0);

  const B = opts.batchSize;
  const g2 = new Float32Array(V); // row-wise Adagrad accumulators
  const grad = new Float32Array(V * dim);
  const touched = new Uint8Array(V);
  const touchedList: number[] = [];
  const ua = new Float32Array(B * dim);
  const ub = new Float32Array(B * dim);
  const na = new Float32Array(B);
  const nb = new Float32Array(B);
  const S = new Float32Array(B * B);
  const dS = new Float32Array(B * B);
  const dva = new Float32Array(B * dim);
  const dvb = new Float32Array(B * dim);
  const losses: number[] = [];
  const invT = 1 / opts.temperature;

  const totalBatches = Math.floor(usable.length / B) * opts.epochs;
  let step = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const epochBatches = makeBatches(usable, B, rand);
    const batches = epochBatches.length;
    for (let bi = 0; bi < batches; bi++) {
      const batch = epochBatches[bi];
      const lr = opts.learningRate * (1 - ((1 - opts.finalLearningRate) * step++) / Math.max(1, totalBatches));
      for (let i = 0; i < B; i++) {
        sumInto(E, dim, batch[i].a, ua, i * dim);
        na[i] = normalize(ua, i * dim, dim) || 1;
        sumInto(E, dim, batch[i].b, ub, i * dim);
        nb[i] = normalize(ub, i * dim, dim) || 1;
      }
      for (let i = 0; i < B; i++) {
        for (let j = 0; j < B; j++) {
          // Another pair of the same paper is no negative: leave it out of the softmax.
          S[i * B + j] = i !== j && batch[i].doc === batch[j].doc ? -Infinity : dot(ua, i * dim, ub, j * dim, dim) * invT;
        }
      }
      // Symmetric InfoNCE: rows (a -> b) and columns (b -> a).
      dS.fill(0);
      let loss = 0;
      for (let i = 0; i < B; i++) {
        let m = -Infinity;
        for (let j = 0; j < B; j++) m = Math.max(m, S[i * B + j]);
        let z = 0;
        for (let j = 0; j < B; j++) z += Math.exp(S[i * B + j] - m);
        loss -= S[i * B + i] - m - Math.log(z);
        for (let j = 0; j < B; j++) dS[i * B + j] += Math.exp(S[i * B + j] - m) / z / (2 * B);
        dS[i * B + i] -= 1 / (2 * B);
      }
      for (let j = 0; j < B; j++) {
        let m = -Infinity;
        for (let i = 0; i < B; i++) m = Math.max(m, S[i * B + j]);
        let z = 0;
        for (let i = 0; i < B; i++) z += Math.exp(S[i * B + j] - m);
        loss -= S[j * B + j] - m - Math.log(z);
        for (let i = 0; i < B; i++) dS[i * B + j] += Math.exp(S[i * B + j] - m) / z / (2 * B);
        dS[j * B + j] -= 1 / (2 * B);
      }
      loss /= 2 * B;
      losses.push(loss);
      // dL/dva_i = sum_j dS_ij vb_j / T ; dL/dvb_j = sum_i dS_ij va_i / T
      dva.fill(0);
      dvb.fill(0);
      for (let i = 0; i < B; i++) {
        for (let j = 0; j < B; j++) {
          const g = dS[i * B + j] * invT;
          if (g === 0) continue;
          const oi = i * dim;
          const oj = j * dim;
          for (let d = 0; d < dim; d++) {
            dva[oi + d] += g * ub[oj + d];
            dvb[oj + d] += g * ua[oi + d];
          }
        }
      }
      // Through the normalisation, then into the word rows.
      const back = (v: Float32Array, dv: Float32Array, n: Float32Array, side: 'a' | 'b') => {
        for (let i = 0; i < B; i++) {
          const o = i * dim;
          const p = dot(v, o, dv, o, dim);
          for (let d = 0; d < dim; d++) dv[o + d] = (dv[o + d] - v[o + d] * p) / n[i];
          const f = batch[i][side];
          for (let j = 0; j < f.ids.length; j++) {
            const id = f.ids[j];
            const w = f.weights[j];
            if (!touched[id]) {
              touched[id] = 1;
              touchedList.push(id);
            }
            const base = id * dim;
            for (let d = 0; d < dim; d++) grad[base + d] += w * dv[o + d];
          }
        }
      };
      back(ua, dva, na, 'a');
      back(ub, dvb, nb, 'b');
      for (const id of touchedList) {
        const base = id * dim;
        let s = 0;
        for (let d = 0; d < dim; d++) s += grad[base + d] * grad[base + d];
        g2[id] += s / dim;
        const rate = lr / Math.sqrt(g2[id] + 1e-8);
        for (let d = 0; d < dim; d++) {
          E[base + d] -= rate * grad[base + d];
          grad[base + d] = 0;
        }
        touched[id] = 0;
      }
      touchedList.length = 0;
      opts.onProgress?.({ member, epoch, batch: bi, batches, loss });
    }
  }
  return { table: E, losses };
}

/**
 * Writes the start table's vectors into the rows of `E` of the words it knows, scaled so that their
 * mean length is 1 (a random or co-occurrence start's length: the learning rate means the same).
 * Returns which rows it wrote.
 */
function startFrom(start: StartTable, vocab: string[], dim: number, E: Float32Array): Uint8Array {
  if (start.dim !== dim) throw new Error(`search: the start model has ${start.dim} dimensions and the training ${dim}`);
  const at = new Map(start.vocab.map((w, j) => [w, j]));
  const known = new Uint8Array(vocab.length);
  let length = 0;
  let count = 0;
  vocab.forEach((w, i) => {
    const j = at.get(w);
    if (j === undefined) return;
    const n = Math.sqrt(dot(start.vectors, j * dim, start.vectors, j * dim, dim));
    if (n === 0) return;
    known[i] = 1;
    length += n;
    count++;
  });
  const scale = count ? count / length : 1;
  vocab.forEach((w, i) => {
    if (!known[i]) return;
    const j = at.get(w)!;
    for (let d = 0; d < dim; d++) E[i * dim + d] = scale * start.vectors[j * dim + d];
  });
  return known;
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** One epoch's batches of B pairs in random order (the last, incomplete batch is left out). */
function makeBatches(pairs: Pair[], B: number, rand: () => number): Pair[][] {
  const mixed = shuffle(pairs.slice(), rand);
  const out: Pair[][] = [];
  for (let i = 0; i + B <= mixed.length; i += B) out.push(mixed.slice(i, i + B));
  return out;
}
