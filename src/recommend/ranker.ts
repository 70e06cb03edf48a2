import { FEATURE_BITS, type SparseVector } from './features.js';

/** One profile at a time is spread here (see rankForReader); all zeros between calls. */
const scratch = new Float32Array(1 << FEATURE_BITS);

// A reader's own ranking of papers, fitted from the papers they liked (saved, upvoted, imported) and
// those they dismissed: a profile of their words (the sum of the liked papers' text vectors, less a
// share of the dismissed ones', Rocchio's way) and of their papers' meaning (the sum of the liked
// papers' corpus-model vectors). A list of candidates is ranked by a weighted sum of the two
// similarities, each standardised over the list (z-scores), so that neither scale decides alone.
// Measured on the simulated readers of ../shared/data/recsys (bench/recommend.ts): see RANK_WEIGHTS.

export interface RankWeights {
  /** weight of the text similarity */
  text: number;
  /** weight of the corpus-model vector similarity */
  vector: number;
  /** share of the dismissed papers' text subtracted from the profile */
  dismissed: number;
}

/**
 * With IDF_POWER, the setting that 5-fold cross-validation over readers-dev's readers chose in most
 * folds (idf power 2.5, vector weight 2; bench/recommend.ts prints each fold's choice): held-out MRR
 * 0.324, Hit@10 0.536, against arxiv-sanity-lite's 0.289 on the same readers. The dismissed share is
 * not measured (the readers have no dismissals): half, as Rocchio's usual negative weight.
 */
export const RANK_WEIGHTS: RankWeights = { text: 1, vector: 2, dismissed: 0.5 };

/** A paper as the ranker sees it. */
export interface RankPaper {
  id: string;
  title: string;
  text: SparseVector;
  /** its corpus-model vector (unit length), when it has one */
  vector: Float32Array | null;
}

export interface ReaderModel {
  text: SparseVector;
  vector: Float32Array | null;
  liked: RankPaper[];
  /** liked and dismissed papers: never recommended back */
  known: Set<string>;
}

export interface Recommendation {
  id: string;
  score: number;
  /** the liked paper it is most like (null when none shares its words) */
  because: { id: string; title: string } | null;
}

/** Sums sparse vectors with weights into one sparse vector. */
function sumSparse(parts: { v: SparseVector; w: number }[]): SparseVector {
  const acc = new Map<number, number>();
  for (const { v, w } of parts) for (let i = 0; i < v.ids.length; i++) acc.set(v.ids[i], (acc.get(v.ids[i]) ?? 0) + w * v.weights[i]);
  const ids = Int32Array.from(acc.keys()).sort();
  return { ids, weights: Float32Array.from(ids, (f) => acc.get(f)!) };
}

/** A reader's model from what they liked and dismissed (either may be empty). */
export function fitReader(liked: RankPaper[], dismissed: RankPaper[] = [], weights: RankWeights = RANK_WEIGHTS): ReaderModel {
  const nl = Math.max(1, liked.length);
  const nd = Math.max(1, dismissed.length);
  const text = sumSparse([...liked.map((p) => ({ v: p.text, w: 1 / nl })), ...dismissed.map((p) => ({ v: p.text, w: -weights.dismissed / nd }))]);
  let vector: Float32Array | null = null;
  for (const p of liked) {
    if (!p.vector) continue;
    vector ??= new Float32Array(p.vector.length);
    for (let d = 0; d < vector.length; d++) vector[d] += p.vector[d] / nl;
  }
  return { text, vector, liked, known: new Set([...liked, ...dismissed].map((p) => p.id)) };
}

function zScores(xs: Float64Array): Float64Array {
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= Math.max(1, xs.length);
  let v = 0;
  for (const x of xs) v += (x - mean) ** 2;
  const sd = Math.sqrt(v / Math.max(1, xs.length)) || 1;
  return xs.map((x) => (x - mean) / sd);
}

/**
 * Ranks `candidates` for the reader, best first. Papers the reader liked or dismissed are left out.
 * `reasons` says for how many of the best the liked paper most like them is looked up.
 */
export function rankForReader(model: ReaderModel, candidates: RankPaper[], weights: RankWeights = RANK_WEIGHTS, reasons = 50): Recommendation[] {
  const list = candidates.filter((p) => !model.known.has(p.id));
  // The profile spread over a dense scratch array for the length of the call: a candidate's score is
  // then one read per word it has, instead of a walk through the profile's ~10,000 words.
  const profile = model.text;
  for (let i = 0; i < profile.ids.length; i++) scratch[profile.ids[i]] = profile.weights[i];
  const text = zScores(
    Float64Array.from(list, (p) => {
      let s = 0;
      for (let i = 0; i < p.text.ids.length; i++) s += scratch[p.text.ids[i]] * p.text.weights[i];
      return s;
    }),
  );
  for (let i = 0; i < profile.ids.length; i++) scratch[profile.ids[i]] = 0;
  const useVectors = model.vector !== null && weights.vector !== 0;
  const vec = useVectors
    ? zScores(
        Float64Array.from(list, (p) => {
          if (!p.vector) return 0;
          let s = 0;
          for (let d = 0; d < p.vector.length; d++) s += p.vector[d] * model.vector![d];
          return s;
        }),
      )
    : null;
  const ranked = list
    .map((p, i) => ({ p, score: weights.text * text[i] + (vec ? weights.vector * vec[i] : 0) }))
    .sort((a, b) => b.score - a.score || (a.p.id < b.p.id ? -1 : a.p.id > b.p.id ? 1 : 0));
  const because = mostLike(
    model.liked,
    ranked.slice(0, reasons).map((r) => r.p),
  );
  return ranked.map(({ p, score }, i) => ({ id: p.id, score, because: because[i] ?? null }));
}

/**
 * For each paper, the liked paper whose words are most like its own (null when none shares a word):
 * each liked paper is spread over the scratch array once and read by every paper.
 */
function mostLike(liked: RankPaper[], papers: RankPaper[]): ({ id: string; title: string } | null)[] {
  const best: ({ id: string; title: string } | null)[] = papers.map(() => null);
  const bestScore = new Float64Array(papers.length);
  for (const l of liked) {
    for (let i = 0; i < l.text.ids.length; i++) scratch[l.text.ids[i]] = l.text.weights[i];
    papers.forEach((p, k) => {
      let s = 0;
      for (let i = 0; i < p.text.ids.length; i++) s += scratch[p.text.ids[i]] * p.text.weights[i];
      if (s > bestScore[k]) {
        bestScore[k] = s;
        best[k] = { id: l.id, title: l.title };
      }
    });
    for (let i = 0; i < l.text.ids.length; i++) scratch[l.text.ids[i]] = 0;
  }
  return best;
}
