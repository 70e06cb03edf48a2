import { byScoreThenId } from './lexical/index.js';
import { feedbackQuery } from './vectors/vector-math.js';

export { feedbackQuery };

/**
 * Hybrid ranking: a weighted sum of normalised lexical and vector scores over the union of both
 * candidate lists. Rank fusion (RRF) throws away how far apart scores are; measured here it lost to
 * score fusion on both benchmarks, as in the prototype. Vector scores are min-max normalised
 * over the vector list; lexical scores are divided by the most bm25 could give for the query (its
 * "theoretical" maximum, after Bruch et al., "An Analysis of Fusion Functions for Hybrid Retrieval",
 * 2023) where the lexical index knows it, else min-max normalised too.
 */

export interface ScoredId {
  id: string;
  score: number;
}

export interface FusionWeights {
  /** Weight of the min-max normalised lexical score (the vector score gets 1 - lexical). */
  lexical: number;
  /**
   * Weight of the lexical score divided by the query's score bound, used instead of `lexical` when
   * the lexical index gives that bound (undefined: always min-max). Min-max puts every query's best
   * lexical hit at 1, whether it matches the query word for word or shares two common words with
   * it; divided by the bound, a weak lexical match leaves the order to the vector side.
   */
  boundLexical?: number;
  /** How each list's scores are put on one scale. */
  norm?: 'minmax' | 'zscore';
  /**
   * Dense pseudo-relevance feedback: the query vector is moved towards the mean vector of this many
   * top lexical hits before the vector search (0 = off) ...
   */
  feedbackDocs?: number;
  /** ... by this much (the mean of the hits' unit vectors is added with this weight). */
  feedbackWeight?: number;
  /** How many lexical and how many vector candidates are fused. */
  candidates?: number;
  /**
   * Weight of the soft word match (CorpusModel.softMatch) when the top `softDepth` fused papers are
   * re-ordered by it (the fused score gets 1 - softMatch; 0 = off). Only an embedder with word
   * vectors (the corpus model) can give it; others leave the fused order as it is.
   */
  softMatch?: number;
  softDepth?: number;
  /**
   * Weight of the sentence match (CorpusModel.sentenceMatch) in the same re-ordering (the fused score
   * gets 1 - softMatch - sentenceMatch; 0 or undefined = off).
   */
  sentenceMatch?: number;
  /**
   * Per-query lexical weight (only with the score bound): the bound-lexical weight is scaled by
   * min(1, share / adaptiveShare), where share is the best lexical hit's score over the bound. A query
   * whose best word-for-word match covers little of what its words could give (a few generic words
   * matched, its rare ones not) leaves more of the order to the vectors (undefined or 0: off).
   */
  adaptiveShare?: number;
}

// Tuned on SciFact train qrels and paraphrase-dev (`npm run bench -- search-quality --tune`) with the
// corpus model (temperature 0.1, every word of the corpus in its vocabulary). Feedback from the top 3
// lexical hits lifts the vector side alone from 0.665 to 0.683 nDCG@10 (SciFact train) and 0.401 to
// 0.502 MRR@10 (paraphrase-dev). The lexical weight maximises the smaller relative gain over lexical
// of the two sets, since the default must not lose to lexical anywhere: 0.5 gives SciFact train 0.721
// (lexical 0.701) and paraphrase-dev 0.555 (lexical 0.525); 0.45-0.55 are within 0.001 on SciFact.
// (With the earlier model, which left out words of a single paper, the same rule chose 0.8.)
// The soft word match then re-orders the top 30, at the weight the same rule picks on the same sets.
// With the model averaged from 5 members, 0.4: SciFact train 0.720 -> 0.726 and paraphrase-dev 0.593
// -> 0.610 (0.3: 0.725 and 0.603; 0.5: 0.724 and 0.618; 0.6: 0.722 and 0.622; 0.8: 0.704 and 0.643).
// With a single model the rule had picked 0.5 (SciFact train 0.723, paraphrase-dev 0.579).
// Re-ordering the top 50, 100 or 200 measured within 0.002 of the top 30 (single model).
// Lexical scores divided by the query's bound (8-member model, soft match 0.4), by the same rule:
// | boundLexical           | 0.3   | 0.4   | 0.5   | 0.6   | 0.7   | 0.8   | (min-max, 0.5) |
// | SciFact train nDCG@10  | 0.723 | 0.725 | 0.726 | 0.727 | 0.729 | 0.727 | 0.7285         |
// | paraphrase-dev MRR@10  | 0.622 | 0.637 | 0.636 | 0.637 | 0.651 | 0.627 | 0.619          |
// 0.7 wins on SciFact train, the set whose gain over lexical is the smaller; the min-max weight stays
// for indexes without a bound (PostgreSQL). The soft match's sweep over it still peaks at 0.4 on
// SciFact train (0.3: 0.727, 0.4: 0.729, 0.5: 0.728; paraphrase-dev 0.628, 0.651, 0.649). Without the
// soft match the bound changes little (SciFact train 0.720 against 0.721 for min-max, paraphrase-dev
// 0.600 against 0.604): the gain is in how the re-ordering weighs fused scores that no longer rate a
// weak lexical match as highly as a full one.
// Cross-validated (#29, `--cv`, 5 folds of paraphrase-dev's queries, weights chosen on the other 4):
// held-out MRR@10 0.585 at 45,904 papers and 0.738 at 5,042 (tuned on all: 0.651 and 0.794). The
// per-query adaptiveShare won at neither size (-0.013 and 0.000 held-out) and stays off.
// Generic words (#29 item 2), the same CV with each query word weighting (measured at 12554fd, then taken out)
// against idf alone (held-out MRR@10 0.828 at 5,042 papers, 0.654 at 45,904; SciFact test 0.710):
// coherence (best cosine with the 5,000 commonest words, "bigger" 0.31) 0.825 / 0.644 (SciFact 0.715;
// squared 0.813 / 0.609), vector length 0.789 / 0.626, min(own, base idf) 0.836 / 0.634 (SciFact 0.708), geometric
// mean 0.792 / 0.638, SIF common-component removal 0.824 / 0.623: none wins both sizes, none kept,
// and the demo's "a smaller model learns from a bigger one" still ranks the "Bigger" papers first
// (docs/search.md, "Generic words").
// The sentence match (#29): each of the top 30 also scored by its best sentence's cosine with the
// query, weight 0.2, the weight SciFact train chose among off / 0.2 / 0.3 (with the rest of the grid).
// 5-fold CV over 242 paraphrase queries (paraphrase-dev's 42 and the 200 hard ones of
// bench/queries/): held-out MRR@10 gain of choosing it +0.003 at 5,242 papers and +0.009 at 45,904;
// at the default weights 0.702 -> 0.722 and 0.474 -> 0.493, SciFact test 0.710 -> 0.713,
// paraphrase-dev 0.813 -> 0.852 and 0.651 -> 0.672, Recall@10 lower nowhere (docs/search.md, "More queries, and the sentence match").
export const DEFAULT_FUSION: FusionWeights = {
  lexical: 0.5,
  boundLexical: 0.7,
  norm: 'minmax',
  feedbackDocs: 3,
  feedbackWeight: 0.5,
  candidates: 100,
  softMatch: 0.4,
  softDepth: 30,
  sentenceMatch: 0.2,
};

/** What hybrid ranking needs from the vector side (the service's VectorCache, the bench's exact index). */
export interface VectorSide {
  search(query: Float32Array, k: number): ScoredId[];
  /** cosine of one paper's stored vector with the query (undefined: no vector) */
  score(query: Float32Array, id: string): number | undefined;
  vectorOf(id: string): Float32Array | null;
}

/**
 * The vector side's part of one hybrid ranking, as one request, so that a search thread can answer
 * it (search/threads/): move the query towards the vectors of the `feedback` papers (the top lexical
 * hits), then the `k` nearest papers to the moved query and the similarity of each of `candidates`.
 */
export interface VectorQuery {
  query: Float32Array;
  feedback: string[];
  feedbackWeight: number;
  k: number;
  candidates: string[];
}

export interface VectorAnswer {
  top: ScoredId[];
  /** cosine of a candidate with the moved query (undefined: no vector) */
  score(id: string): number | undefined;
}

/** Answers a VectorQuery on this thread. */
export function answerVectors(side: VectorSide, q: VectorQuery): VectorAnswer {
  const hits: Float32Array[] = [];
  for (const id of q.feedback) {
    const v = side.vectorOf(id);
    if (v) hits.push(v);
  }
  const moved = feedbackQuery(q.query, hits, q.feedbackWeight);
  return { top: side.search(moved, q.k), score: (id) => side.score(moved, id) };
}

function vectorQueryOf(lexical: ScoredId[], query: Float32Array, weights: FusionWeights): { lex: ScoredId[]; vq: VectorQuery } {
  const depth = weights.candidates ?? 100;
  const lex = lexical.slice(0, depth);
  const k = weights.feedbackDocs ?? 0;
  const feedback = k > 0 ? lex.slice(0, k).map((h) => h.id) : [];
  return { lex, vq: { query, feedback, feedbackWeight: weights.feedbackWeight ?? 0, k: depth, candidates: lex.map((h) => h.id) } };
}

/**
 * The hybrid ranking the search service serves and the quality bench measures: optional dense
 * feedback from the top lexical hits, vector search with the (moved) query, then score fusion.
 */
export function hybridRank(lexical: ScoredId[], query: Float32Array, vectors: VectorSide, weights: FusionWeights, lexicalBound?: number): ScoredId[] {
  const { lex, vq } = vectorQueryOf(lexical, query, weights);
  const answer = answerVectors(vectors, vq);
  return fuse(lex, answer.top, answer.score, weights, lexicalBound);
}

/** hybridRank with the vector side answered elsewhere (a search thread): the same ranking. */
export async function hybridRankWith(
  lexical: ScoredId[],
  query: Float32Array,
  answer: (q: VectorQuery) => Promise<VectorAnswer>,
  weights: FusionWeights,
  lexicalBound?: number,
): Promise<ScoredId[]> {
  const { lex, vq } = vectorQueryOf(lexical, query, weights);
  const a = await answer(vq);
  return fuse(lex, a.top, a.score, weights, lexicalBound);
}

/** Scores papers' text against a query word by word (CorpusModel.softMatch) and, optionally, sentence by sentence (CorpusModel.sentenceMatch). */
export interface SoftMatcher {
  softMatch(query: string, docs: readonly { title: string; abstract: string }[]): number[] | Promise<number[]>;
  sentenceMatch?(query: string, docs: readonly { title: string; abstract: string }[]): number[] | Promise<number[]>;
}

/**
 * Re-orders the top `softDepth` of a fused list by (1 - w - ws) * fused + w * soft match + ws * sentence
 * match (w = softMatch, ws = sentenceMatch), each min-max normalised over those papers; the rest keep
 * their order below them. `texts` gives the papers' title and abstract (the service reads them from
 * the store); a paper without text keeps soft and sentence match 0.
 */
export async function softRerank(
  fused: ScoredId[],
  query: string,
  matcher: SoftMatcher,
  texts: (ids: string[]) => Promise<Map<string, { title: string; abstract: string }>> | Map<string, { title: string; abstract: string }>,
  weights: FusionWeights,
): Promise<ScoredId[]> {
  // A matcher without the sentence match (an embedder without it) leaves its weight to the fused score;
  // weights that add up to more than 1 are scaled to 1, so that the fused score never weighs negative.
  const w0 = Math.max(0, weights.softMatch ?? 0);
  const ws0 = matcher.sentenceMatch ? Math.max(0, weights.sentenceMatch ?? 0) : 0;
  const over = Math.max(1, w0 + ws0);
  const w = w0 / over;
  const ws = ws0 / over;
  const depth = Math.min(fused.length, weights.softDepth ?? 30);
  if ((w <= 0 && ws <= 0) || depth < 2) return fused;
  const top = fused.slice(0, depth);
  const byId = await texts(top.map((h) => h.id));
  const known = top.filter((h) => byId.has(h.id));
  const docs = known.map((h) => byId.get(h.id)!);
  const [softScores, sentenceScores] = await Promise.all([
    w > 0 ? matcher.softMatch(query, docs) : [],
    ws > 0 && matcher.sentenceMatch ? matcher.sentenceMatch(query, docs) : [],
  ]);
  const soft = new Map<string, number>(softScores.map((s, i) => [known[i].id, s]));
  const sentence = new Map<string, number>(sentenceScores.map((s, i) => [known[i].id, s]));
  const fn = minMax(top.map((h) => h.score));
  const sn = minMax(top.map((h) => soft.get(h.id) ?? 0));
  const xn = minMax(top.map((h) => sentence.get(h.id) ?? 0));
  // Re-ordered scores stay within the top's own range, so the papers below keep their place.
  const lo = top[depth - 1].score;
  const span = top[0].score - lo;
  const reordered = top
    .map((h, i) => ({ id: h.id, at: i, mixed: (1 - w - ws) * fn[i] + w * sn[i] + ws * xn[i] }))
    .sort((a, b) => b.mixed - a.mixed || a.at - b.at)
    .map((h) => ({ id: h.id, score: lo + span * h.mixed }));
  return [...reordered, ...fused.slice(depth)];
}

/** Min-max normalises scores into [0, 1] (all equal -> all 1). */
export function minMax(scores: number[]): number[] {
  if (scores.length === 0) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of scores) {
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  const span = hi - lo;
  return scores.map((s) => (span > 0 ? (s - lo) / span : 1));
}

/**
 * Fuses a lexical list (best first, any scale) and vector scores. `vectorScore` gives the cosine of
 * any candidate, so lexical candidates that missed the vector top-k still get their true similarity;
 * a vector candidate missing from the lexical list gets lexical 0 (it matched no query word well
 * enough to be retrieved). Vector scores are normalised over the vector list's own range; lexical
 * scores over `lexicalBound` (the most any paper could score, see FusionWeights.boundLexical) when it
 * is given, else over the lexical list's range.
 */
export function fuse(
  lexical: ScoredId[],
  vector: ScoredId[],
  vectorScore: (id: string) => number | undefined,
  weights: FusionWeights,
  lexicalBound?: number,
): ScoredId[] {
  if (weights.norm === 'zscore') return fuseZ(lexical, vector, vectorScore, weights.lexical);
  const bounded = weights.boundLexical !== undefined && lexicalBound !== undefined && lexicalBound > 0;
  let wl = bounded ? weights.boundLexical! : weights.lexical;
  const adaptive = weights.adaptiveShare ?? 0;
  if (bounded && adaptive > 0 && lexical.length > 0) wl *= Math.min(1, Math.max(0, lexical[0].score / lexicalBound) / adaptive);
  const wv = 1 - wl;
  const lexN = new Map<string, number>();
  const ln = bounded ? lexical.map((h) => Math.min(1, Math.max(0, h.score / lexicalBound))) : minMax(lexical.map((h) => h.score));
  lexical.forEach((h, i) => lexN.set(h.id, ln[i]));
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of vector) {
    lo = Math.min(lo, h.score);
    hi = Math.max(hi, h.score);
  }
  const span = hi - lo;
  const ids = new Set<string>([...lexical.map((h) => h.id), ...vector.map((h) => h.id)]);
  const vecMap = new Map(vector.map((h) => [h.id, h.score]));
  const out: ScoredId[] = [];
  for (const id of ids) {
    const v = vecMap.get(id) ?? vectorScore(id);
    const vn = v === undefined || vector.length === 0 ? 0 : span > 0 ? Math.max(0, (v - lo) / span) : 1;
    out.push({ id, score: wl * (lexN.get(id) ?? 0) + wv * vn });
  }
  return out.sort(byScoreThenId);
}

function zScores(xs: number[]): { mean: number; sd: number } {
  const m = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const v = xs.reduce((a, b) => a + (b - m) * (b - m), 0) / Math.max(1, xs.length);
  return { mean: m, sd: Math.sqrt(v) || 1 };
}

/** z-score fusion: each list standardised by its own mean and spread; a missing lexical score counts as the list minimum. */
function fuseZ(lexical: ScoredId[], vector: ScoredId[], vectorScore: (id: string) => number | undefined, wl: number): ScoredId[] {
  const ls = zScores(lexical.map((h) => h.score));
  const vs = zScores(vector.map((h) => h.score));
  const lexMin = lexical.length ? Math.min(...lexical.map((h) => h.score)) : 0;
  const lexMap = new Map(lexical.map((h) => [h.id, h.score]));
  const vecMap = new Map(vector.map((h) => [h.id, h.score]));
  const vecMin = vector.length ? Math.min(...vector.map((h) => h.score)) : 0;
  const ids = new Set<string>([...lexMap.keys(), ...vecMap.keys()]);
  const out: ScoredId[] = [];
  for (const id of ids) {
    const l = ((lexMap.get(id) ?? lexMin) - ls.mean) / ls.sd;
    const v = ((vecMap.get(id) ?? vectorScore(id) ?? vecMin) - vs.mean) / vs.sd;
    out.push({ id, score: wl * l + (1 - wl) * (vector.length ? v : 0) });
  }
  return out.sort(byScoreThenId);
}
