import type { SparseVector } from './features.js';
import type { VectorStats } from './vector-stats.js';

// A reader's own ranking of papers, fitted from the papers they liked (saved, upvoted, imported) and
// those they dismissed. A candidate is scored by four similarities to what the reader liked, each
// standardised over the list being ranked (z-scores, so that no scale decides alone) and summed with
// weights (RANK_WEIGHTS, chosen by cross-validation over readers in bench/recommend.ts):
// - text: its words against the reader's profile (the mean of the liked papers' text vectors, less a
//   share of the dismissed ones', Rocchio's way);
// - vector: its corpus-model vector against the mean of the liked papers' vectors;
// - nearest: its vector against the single liked paper nearest to it (a reader's interests are several:
//   a paper close to one of them counts even when it is far from their mean);
// - owners: the code / data owners (github.com/ORG ...) it shares with the liked papers;
// - nearText: its words against the single liked paper whose words are most like its own (the nearest
//   liked paper again, by words rather than by vector: a method's or a data set's name that one liked
//   paper shares counts although the mean profile dilutes it fifty times);
// - fisher: its vector along the direction that sets the liked papers apart from the instance's papers
//   (Fisher's discriminant, vector-stats.ts), when the recommender has the vectors' statistics.

export interface RankWeights {
  /** weight of the text similarity */
  text: number;
  /** weight of the corpus-model vector similarity to the liked papers' mean */
  vector: number;
  /** weight of the corpus-model vector similarity to the nearest liked paper */
  nearest: number;
  /** weight of the code owners shared with liked papers */
  owners: number;
  /** weight of the text similarity to the liked paper nearest by words */
  nearText: number;
  /** weight of the vector's projection on the liked papers' discriminant direction */
  fisher: number;
  /** share of the dismissed papers' text subtracted from the profile */
  dismissed: number;
}

/**
 * Chosen by 5-fold cross-validation over readers-dev's readers (bench/recommend.ts prints each fold's
 * choice; this is the choice over all readers, rounded): held-out MRR and Hit@10 in docs/benchmarks.md.
 * The dismissed share is not measured (the readers have no dismissals): half, Rocchio's usual weight.
 */
export const RANK_WEIGHTS: RankWeights = { text: 1, vector: 1, nearest: 2.5, owners: 1.25, nearText: 0.25, fisher: 1.25, dismissed: 0.5 };

/**
 * The nearest liked paper is looked for among this many of the best by the other similarities (the
 * rest count as the list's mean there): 1,000 candidates against 50 liked papers would otherwise cost
 * 12.8 million multiplications, and a paper that far down is not lifted into view by it.
 */
export const NEAREST_AMONG = 250;

/** A paper as the ranker sees it. */
export interface RankPaper {
  id: string;
  title: string;
  text: SparseVector;
  /** its corpus-model vector (unit length), when it has one */
  vector: Float32Array | null;
  /** hashed owners of the code and data it links to (features.ts codeOwners) */
  owners?: Int32Array;
  /** its heaviest features and their words as written, one a line (for reasons) */
  terms?: { ids: Int32Array; labels: string };
}

export interface ReaderModel {
  /**
   * the text profile (the liked papers' mean text vector, less the dismissed share) as a hash table, with
   * each word's liked papers (an inverted index of them: postings) for the nearest liked paper by words
   */
  table: ProfileTable;
  vector: Float32Array | null;
  /** the liked papers' discriminant direction against the corpus (null without vector statistics) */
  direction: Float32Array | null;
  /** the liked papers' vectors, packed (dim floats each), for the nearest liked paper */
  likedVectors: Float32Array;
  /** how many liked papers name each code owner */
  owners: Map<number, number>;
  liked: RankPaper[];
  /** liked and dismissed papers: never recommended back */
  known: Set<string>;
}

export interface Recommendation {
  id: string;
  /** its title (what a list of ranked ids shows, without reading the papers again) */
  title: string;
  score: number;
  /** the liked paper it is most like (null when none is close: then `words` says why) */
  because: { id: string; title: string } | null;
  /** when no liked paper is close: the words that drove its score, strongest first */
  words: string[] | null;
}

/**
 * A liked paper is close enough to name in a reason from this cosine of the corpus-model vectors (among
 * the 10 best of a reader-day on readers-dev, the nearest liked paper's: p10 0.32, median 0.47); below
 * it the reason names the words that drove the score.
 */
export const CLOSE_VECTOR = 0.35;
/** The same without vectors, by text similarity (idf^2.5-weighted words are far apart: there p25 0.002). */
export const CLOSE_TEXT = 0.002;

/**
 * A profile's weights by feature id in a hash table of four words per slot, id, weight and where the
 * word's postings are, side by side (~10,000 words: 512 KB, built once when the reader's model is fitted):
 * a candidate's text score is one probe per word it has, and no call spreads the profile over a dense
 * array of all 2^20 features (4 MB).
 */
export interface ProfileTable {
  /**
   * slot i: the feature id at 4i (Int32), its weight at 4i + 1 (Float32, same bytes), the first of its
   * postings at 4i + 2 and their count at 4i + 3: one cache line a probe
   */
  keys: Int32Array;
  weights: Float32Array;
  shift: number;
  /** postings, grouped by feature: which liked paper (its index in `liked`) holds it, with what weight */
  postingPaper: Uint32Array;
  postingWeight: Float32Array;
  /**
   * one bit per FILTER_BITS-bit slice of a feature id, set for the profile's features: most of a
   * candidate's words are not in the profile, and a clear bit answers that with one load from 16 KB
   * instead of a probe (rank 1,000: about half of the text loop's time)
   */
  filter: Int32Array;
}

/** Bits of a feature id that select its bit in ProfileTable.filter (2^17 bits, 16 KB; ~1% false hits at 1,300 words). */
const FILTER_BITS = 17;
const FILTER_MASK = (1 << FILTER_BITS) - 1;

const EMPTY = -1;

/** The profile `v` as a hash table, with the postings of the `liked` papers' texts. */
function profileTable(v: SparseVector, liked: SparseVector[]): ProfileTable {
  let bits = 4;
  while (1 << bits < v.ids.length * 2) bits++;
  const buffer = new ArrayBuffer(16 << bits);
  const keys = new Int32Array(buffer).fill(EMPTY);
  const weights = new Float32Array(buffer);
  const shift = 32 - bits;
  const mask = (1 << bits) - 1;
  const slotOf = new Map<number, number>();
  const filter = new Int32Array(1 << (FILTER_BITS - 5));
  for (let i = 0; i < v.ids.length; i++) {
    const f = v.ids[i];
    filter[(f & FILTER_MASK) >>> 5] |= 1 << (f & 31);
    let slot = Math.imul(f, 0x9e3779b1) >>> shift;
    while (keys[4 * slot] !== EMPTY) slot = (slot + 1) & mask;
    keys[4 * slot] = f;
    weights[4 * slot + 1] = v.weights[i];
    keys[4 * slot + 3] = 0;
    slotOf.set(f, slot);
  }
  // Postings: counted per feature, laid out feature after feature, then filled.
  let total = 0;
  for (const t of liked) for (const f of t.ids) if (slotOf.has(f)) keys[4 * slotOf.get(f)! + 3]++;
  for (const slot of slotOf.values()) {
    keys[4 * slot + 2] = total;
    total += keys[4 * slot + 3];
    keys[4 * slot + 3] = 0;
  }
  const postingPaper = new Uint32Array(total);
  const postingWeight = new Float32Array(total);
  liked.forEach((t, j) => {
    for (let i = 0; i < t.ids.length; i++) {
      const slot = slotOf.get(t.ids[i]);
      if (slot === undefined) continue;
      const at = keys[4 * slot + 2] + keys[4 * slot + 3]++;
      postingPaper[at] = j;
      postingWeight[at] = t.weights[i];
    }
  });
  return { keys, weights, shift, postingPaper, postingWeight, filter };
}

/** The profile's weight of a feature (0 when it has none). */
function lookup(t: ProfileTable, f: number): number {
  const mask = (t.keys.length >> 2) - 1;
  let slot = Math.imul(f, 0x9e3779b1) >>> t.shift;
  for (;;) {
    const k = t.keys[4 * slot];
    if (k === f) return t.weights[4 * slot + 1];
    if (k === EMPTY) return 0;
    slot = (slot + 1) & mask;
  }
}

/** Sums sparse vectors with weights into one sparse vector. */
function sumSparse(parts: { v: SparseVector; w: number }[]): SparseVector {
  const acc = new Map<number, number>();
  for (const { v, w } of parts) for (let i = 0; i < v.ids.length; i++) acc.set(v.ids[i], (acc.get(v.ids[i]) ?? 0) + w * v.weights[i]);
  const ids = Int32Array.from(acc.keys()).sort();
  return { ids, weights: Float32Array.from(ids, (f) => acc.get(f)!) };
}

/** A reader's model from what they liked and dismissed (either may be empty). */
export function fitReader(liked: RankPaper[], dismissed: RankPaper[] = [], weights: RankWeights = RANK_WEIGHTS, stats: VectorStats | null = null): ReaderModel {
  const nl = Math.max(1, liked.length);
  const nd = Math.max(1, dismissed.length);
  const text = sumSparse([...liked.map((p) => ({ v: p.text, w: 1 / nl })), ...dismissed.map((p) => ({ v: p.text, w: -weights.dismissed / nd }))]);
  let vector: Float32Array | null = null;
  const withVectors = liked.filter((p) => p.vector);
  const dim = withVectors[0]?.vector?.length ?? 0;
  const likedVectors = new Float32Array(withVectors.length * dim);
  withVectors.forEach((p, k) => {
    if (p.vector!.length !== dim) return;
    likedVectors.set(p.vector!, k * dim);
    vector ??= new Float32Array(dim);
    for (let d = 0; d < dim; d++) vector[d] += p.vector![d] / nl;
  });
  const owners = new Map<number, number>();
  for (const p of liked) for (const o of p.owners ?? []) owners.set(o, (owners.get(o) ?? 0) + 1);
  return {
    table: profileTable(
      text,
      liked.map((p) => p.text),
    ),
    vector,
    direction: stats?.direction(withVectors.map((p) => p.vector!)) ?? null,
    likedVectors,
    owners,
    liked,
    known: new Set([...liked, ...dismissed].map((p) => p.id)),
  };
}

/** Standardises xs[0..n) in place (all zeros when they do not vary). */
function zScores(xs: Float64Array, n: number): void {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i];
  mean /= Math.max(1, n);
  let v = 0;
  for (let i = 0; i < n; i++) v += (xs[i] - mean) ** 2;
  const sd = Math.sqrt(v / Math.max(1, n));
  for (let i = 0; i < n; i++) xs[i] = sd > 1e-12 ? (xs[i] - mean) / sd : 0;
}

/** Column buffers reused between calls (grown when a list is longer). */
let columns = {
  size: 0,
  text: new Float64Array(0),
  vector: new Float64Array(0),
  nearest: new Float64Array(0),
  owners: new Float64Array(0),
  nearText: new Float64Array(0),
  fisher: new Float64Array(0),
  score: new Float64Array(0),
  /** a candidate's text similarity to each liked paper: row k holds candidate k's, one column per liked paper */
  toLiked: new Float64Array(0),
  /** the nearest-liked step's cosines, for the reasons */
  vectorDots: { row: new Int32Array(0), dots: new Float64Array(0) } as VectorDots,
};
function buffers(n: number): typeof columns {
  if (columns.size < n) {
    const size = Math.max(n, 1024);
    columns = {
      size,
      text: new Float64Array(size),
      vector: new Float64Array(size),
      nearest: new Float64Array(size),
      owners: new Float64Array(size),
      nearText: new Float64Array(size),
      fisher: new Float64Array(size),
      score: new Float64Array(size),
      toLiked: columns.toLiked,
      vectorDots: columns.vectorDots,
    };
  }
  return columns;
}

/** The similarities of each candidate, standardised over the list: what the score weighs. */
export interface FeatureColumns {
  text: Float64Array;
  vector: Float64Array;
  nearest: Float64Array;
  owners: Float64Array;
  nearText: Float64Array;
  fisher: Float64Array;
}

/** Text, nearest-by-words, mean-vector and owner similarities of `list` into the columns (raw, not yet standardised). */
function similarities(model: ReaderModel, list: RankPaper[], c: FeatureColumns): void {
  const n = list.length;
  const table = model.table;
  const { keys, weights, postingPaper, postingWeight, filter } = table;
  const shift = table.shift;
  const mask = (keys.length >> 2) - 1;
  const mv = model.vector;
  const dir = model.direction;
  const nl = model.liked.length;
  if (columns.toLiked.length < n * nl) columns.toLiked = new Float64Array(n * nl);
  const toLiked = columns.toLiked;
  toLiked.fill(0, 0, n * nl);
  for (let k = 0; k < n; k++) {
    const p = list[k];
    const row = k * nl;
    const ids = p.text.ids;
    const ws = p.text.weights;
    let s = 0;
    for (let i = 0; i < ids.length; i++) {
      // lookup(), inlined: this loop is most of a ranking's time
      const f = ids[i];
      if ((filter[(f & FILTER_MASK) >>> 5] & (1 << (f & 31))) === 0) continue;
      let slot = Math.imul(f, 0x9e3779b1) >>> shift;
      for (;;) {
        const key = keys[4 * slot];
        if (key === f) {
          const w = ws[i];
          s += weights[4 * slot + 1] * w;
          const end = keys[4 * slot + 2] + keys[4 * slot + 3];
          for (let j = keys[4 * slot + 2]; j < end; j++) toLiked[row + postingPaper[j]] += postingWeight[j] * w;
          break;
        }
        if (key === EMPTY) break;
        slot = (slot + 1) & mask;
      }
    }
    c.text[k] = s;
    let near = 0;
    for (let j = 0; j < nl; j++) if (toLiked[row + j] > near) near = toLiked[row + j];
    c.nearText[k] = near;
    let v = 0;
    let fw = 0;
    const pv = p.vector;
    if (mv && pv && pv.length === mv.length) {
      if (dir && dir.length === pv.length) {
        // both projections in one pass over the candidate's vector
        for (let d = 0; d < pv.length; d++) {
          const x = pv[d];
          v += x * mv[d];
          fw += x * dir[d];
        }
      } else for (let d = 0; d < pv.length; d++) v += pv[d] * mv[d];
    }
    c.vector[k] = v;
    c.fisher[k] = fw;
    let o = 0;
    if (p.owners && model.owners.size) for (const x of p.owners) o += Math.log1p(model.owners.get(x) ?? 0);
    c.owners[k] = o;
  }
}

/** Cosine of a paper's vector with its nearest liked paper's (0 without vectors). */
function nearestLiked(model: ReaderModel, p: RankPaper, dots?: Float64Array, at = 0): number {
  const L = model.likedVectors;
  const pv = p.vector;
  if (!pv || !L.length || L.length % pv.length) return 0;
  const dim = pv.length;
  let best = -1;
  for (let off = 0, j = at; off < L.length; off += dim, j++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += L[off + d] * pv[d];
    if (dots) dots[j] = s;
    if (s > best) best = s;
  }
  return best;
}

/**
 * The cosines of candidates with each liked paper's vector that the nearest-liked step computed (`row`:
 * where candidate k's start in `dots`, -1 when it was not among them), kept for the reasons.
 */
interface VectorDots {
  row: Int32Array;
  dots: Float64Array;
}

/**
 * Every similarity of every candidate, standardised over the list (the nearest liked paper for all of
 * them, not only the best NEAREST_AMONG): what the benchmark fits the weights on.
 */
export function featureColumns(model: ReaderModel, list: RankPaper[]): FeatureColumns {
  const n = list.length;
  const c = {
    text: new Float64Array(n),
    vector: new Float64Array(n),
    nearest: new Float64Array(n),
    owners: new Float64Array(n),
    nearText: new Float64Array(n),
    fisher: new Float64Array(n),
  };
  similarities(model, list, c);
  for (let k = 0; k < n; k++) c.nearest[k] = nearestLiked(model, list[k]);
  for (const col of [c.text, c.vector, c.nearest, c.owners, c.nearText, c.fisher]) zScores(col, n);
  return c;
}

/**
 * Ranks `candidates` for the reader, best first. Papers the reader liked or dismissed are left out.
 * `reasons` says for how many of the best the reason (the liked paper most like them, or their words)
 * is looked up.
 */
export function rankForReader(model: ReaderModel, candidates: RankPaper[], weights: RankWeights = RANK_WEIGHTS, reasons = 50): Recommendation[] {
  const list = model.known.size ? candidates.filter((p) => !model.known.has(p.id)) : candidates;
  const n = list.length;
  const c = buffers(n);
  similarities(model, list, c);
  zScores(c.text, n);
  zScores(c.vector, n);
  zScores(c.owners, n);
  zScores(c.nearText, n);
  zScores(c.fisher, n);
  const score = c.score;
  for (let k = 0; k < n; k++)
    score[k] =
      weights.text * c.text[k] + weights.vector * c.vector[k] + weights.owners * c.owners[k] + weights.nearText * c.nearText[k] + weights.fisher * c.fisher[k];
  let dotRow: Int32Array | null = null;
  if (weights.nearest !== 0 && model.likedVectors.length) {
    // The nearest liked paper for the best NEAREST_AMONG so far, standardised among them; the rest at 0.
    // (the NEAREST_AMONG-th best score by a plain numeric sort; ties at it may add a few more)
    const cut = n > NEAREST_AMONG ? score.slice(0, n).sort()[n - NEAREST_AMONG] : Number.NEGATIVE_INFINITY;
    const among: number[] = [];
    for (let k = 0; k < n; k++) if (score[k] >= cut) among.push(k);
    const m = among.length;
    const nv = model.likedVectors.length / (list.find((p) => p.vector)?.vector?.length ?? 1);
    if (c.vectorDots.dots.length < m * nv) c.vectorDots.dots = new Float64Array(m * nv);
    if (c.vectorDots.row.length < n) c.vectorDots.row = new Int32Array(c.size);
    dotRow = c.vectorDots.row;
    dotRow.fill(-1, 0, n);
    for (let r = 0; r < m; r++) {
      dotRow[among[r]] = r * nv;
      c.nearest[r] = nearestLiked(model, list[among[r]], c.vectorDots.dots, r * nv);
    }
    zScores(c.nearest, m);
    for (let r = 0; r < m; r++) score[among[r]] += weights.nearest * c.nearest[r];
  }
  const order = bestFirst(score, n, list);
  const out: Recommendation[] = new Array(n);
  for (let r = 0; r < n; r++) out[r] = { id: list[order[r]].id, title: list[order[r]].title, score: score[order[r]], because: null, words: null };
  explain(model, list, order.subarray(0, Math.min(n, reasons)), c.toLiked, dotRow ? { row: dotRow, dots: c.vectorDots.dots } : null, out);
  return out;
}

/** Indices of score[0..n) best first; ties by paper id, so that a ranking is the same every time. */
function bestFirst(score: Float64Array, n: number, list: RankPaper[]): Uint32Array {
  const order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  return order.sort((a, b) => score[b] - score[a] || (list[a].id < list[b].id ? -1 : list[a].id > list[b].id ? 1 : 0));
}

/** The liked papers whose text is compared with a paper's for its reason: its nearest by vector. */
const REASON_CANDIDATES = 5;

/**
 * The reason for each of the best (`best`: indices into `list`, in the order of `out`): the liked paper
 * whose words are most like its own, among the few nearest to it by vector when the papers have vectors;
 * or, when none is close (CLOSE_VECTOR, CLOSE_TEXT without vectors), the paper's words that weigh most in
 * the reader's profile. The text similarities to each liked paper are similarities()'s (`toLiked`, a row
 * per candidate): the same sums, in the same order, as sparseDot of the two texts.
 */
function explain(model: ReaderModel, list: RankPaper[], best: Uint32Array, toLiked: Float64Array, known: VectorDots | null, out: Recommendation[]): void {
  const L = model.likedVectors;
  const nl = model.liked.length;
  const withVectors: number[] = [];
  model.liked.forEach((p, j) => p.vector && withVectors.push(j));
  const all = model.liked.map((_, j) => j);
  const sims = new Float64Array(withVectors.length);
  best.forEach((at, k) => {
    const p = list[at];
    let compared = all;
    let close = true;
    const pv = p.vector;
    if (pv && L.length && L.length === withVectors.length * pv.length) {
      const dim = pv.length;
      const row = known ? known.row[at] : -1;
      for (let w = 0; w < withVectors.length; w++) {
        if (row >= 0) sims[w] = known!.dots[row + w];
        else {
          let s = 0;
          for (let d = 0; d < dim; d++) s += L[w * dim + d] * pv[d];
          sims[w] = s;
        }
      }
      // the REASON_CANDIDATES nearest, nearest first (ties: the earlier liked paper first)
      const top: number[] = [];
      for (let w = 0; w < sims.length; w++) {
        if (top.length === REASON_CANDIDATES && sims[w] <= sims[top[top.length - 1]]) continue;
        let i = top.length;
        while (i > 0 && sims[top[i - 1]] < sims[w]) i--;
        top.splice(i, 0, w);
        if (top.length > REASON_CANDIDATES) top.pop();
      }
      compared = top.map((w) => withVectors[w]);
      close = sims[top[0]] >= CLOSE_VECTOR;
    }
    let most = 0;
    for (const j of compared) {
      const s = toLiked[at * nl + j];
      if (s > most) {
        most = s;
        out[k].because = { id: model.liked[j].id, title: model.liked[j].title };
      }
    }
    if (compared === all) close = most >= CLOSE_TEXT;
    else if (close && !out[k].because) out[k].because = { id: model.liked[compared[0]].id, title: model.liked[compared[0]].title };
    if (!close && p.terms) {
      out[k].because = null;
      out[k].words = driving(model.table, p, 3);
    }
  });
}

/** A feature's weight in a sparse vector (ids ascending; 0 when it has none). */
function weightOf(v: SparseVector, f: number): number {
  let lo = 0;
  let hi = v.ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = v.ids[mid];
    if (x === f) return v.weights[mid];
    if (x < f) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** The paper's words that add most to its text score, at most `k`. */
function driving(table: ProfileTable, p: RankPaper, k: number): string[] | null {
  const { ids, labels } = p.terms!;
  const scored = labels
    .split('\n')
    .map((label, i) => ({ label, s: lookup(table, ids[i]) * weightOf(p.text, ids[i]) }))
    .filter((t) => t.s > 0)
    .sort((a, b) => b.s - a.s);
  const chosen: string[] = [];
  for (const t of scored) {
    // A word inside a chosen pair (or a pair holding a chosen word) says nothing more.
    if (chosen.some((c) => c.split(' ').includes(t.label) || t.label.split(' ').includes(c))) continue;
    chosen.push(t.label);
    if (chosen.length === k) break;
  }
  return chosen.length ? chosen : null;
}
