import { STOP_WORDS, stem, words } from '../search/lexical/tokenize.js';

// What the "For you" ranking knows of a paper's text: its stemmed words and word pairs (bigrams), each
// hashed to one of 2^20 features (no vocabulary to keep or grow; at a million papers collisions cost
// little), weighted by (1 + ln tf) * idf^IDF_POWER and scaled to unit length. Word pairs carry most of what
// tells a reader's subject apart ("speech recognition" against "speech" and "recognition" elsewhere):
// without them readers-dev MRR fell from 0.317 to 0.289. The steeper idf (see IDF_POWER) lets the rare terms
// a group of papers shares (a method's or a data set's name) count more.

export const FEATURE_BITS = 20;
const MASK = (1 << FEATURE_BITS) - 1;

/** A unit-length sparse vector: feature ids ascending, their weights. */
export interface SparseVector {
  ids: Int32Array;
  weights: Float32Array;
}

export interface PaperText {
  title: string;
  abstract: string;
  /** arXiv's comment line ("Accepted at ACL", a code link): part of what a paper says about itself */
  comments?: string | null;
}

/** FNV-1a, 32 bits, of a string's UTF-16 code units. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A paper's features with their counts, and each feature's words as the paper first writes them. */
export function analyse(p: PaperText): { counts: Map<number, number>; labels: Map<number, string> } {
  // The same terms as search's tokenize(), with the surface word kept beside each stem (for reasons).
  const stems: string[] = [];
  const surface: string[] = [];
  for (const w of words(`${p.title}. ${p.title}. ${p.abstract} ${p.comments ?? ''}`)) {
    if (w.length > 40 || STOP_WORDS.has(w)) continue;
    if (w.length === 1 && !/\d/.test(w)) continue;
    stems.push(stem(w));
    surface.push(w);
  }
  const counts = new Map<number, number>();
  const labels = new Map<number, string>();
  const add = (s: string, label: string) => {
    const f = hash(s) & MASK;
    const n = counts.get(f);
    counts.set(f, (n ?? 0) + 1);
    if (n === undefined) labels.set(f, label);
  };
  for (let i = 0; i < stems.length; i++) {
    add(stems[i], surface[i]);
    if (i + 1 < stems.length) add(`${stems[i]} ${stems[i + 1]}`, `${surface[i]} ${surface[i + 1]}`);
  }
  return { counts, labels };
}

/** Feature counts of a paper: its words and word pairs, hashed. The title counts twice, as in search. */
export function termCounts(p: PaperText): Map<number, number> {
  return analyse(p).counts;
}

/**
 * The accounts or organisations whose code or data a paper links to (github.com/ORG, gitlab.com/ORG,
 * huggingface.co/ORG), hashed: a group's papers share them, and a reader who liked a group's papers
 * wants its new ones. Hugging Face's own path words (datasets, spaces) are not organisations.
 */
export function codeOwners(p: PaperText): Int32Array {
  const text = `${p.abstract} ${p.comments ?? ''}`;
  const out = new Set<number>();
  for (const m of text.matchAll(/(?:github\.com|gitlab\.com|huggingface\.co)\/([A-Za-z0-9_.-]+)/gi)) {
    const owner = m[1].toLowerCase().replace(/\.+$/, '');
    if (owner && !NOT_OWNERS.has(owner)) out.add(hash(`owner:${owner}`) | 0);
  }
  return Int32Array.from(out);
}

const NOT_OWNERS = new Set(['datasets', 'spaces', 'models', 'collections', 'papers', 'anonymous']);

/** How many papers hold each feature, over the papers the instance has (or a large sample of them). */
export class TermStats {
  constructor(
    public papers = 0,
    readonly df: Int32Array = new Int32Array(1 << FEATURE_BITS),
  ) {}

  add(counts: Map<number, number>): void {
    this.papers++;
    for (const f of counts.keys()) this.df[f]++;
  }

  /** idf^power of a feature; a feature no counted paper holds is as rare as one held by one paper. */
  weight(f: number, power: number): number {
    return Math.log((this.papers + 1) / Math.max(1, this.df[f])) ** power;
  }
}

/** Chosen with RANK_WEIGHTS by cross-validation over readers-dev (bench/recommend.ts). */
export const IDF_POWER = 2.5;

/** The unit-length weighted vector of a paper's feature counts. */
export function weigh(counts: Map<number, number>, stats: TermStats, idfPower = IDF_POWER): SparseVector {
  const ids = Int32Array.from(counts.keys()).sort();
  const weights = new Float32Array(ids.length);
  let norm = 0;
  for (let i = 0; i < ids.length; i++) {
    const w = (1 + Math.log(counts.get(ids[i])!)) * stats.weight(ids[i], idfPower);
    weights[i] = w;
    norm += w * w;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < weights.length; i++) weights[i] /= norm;
  return { ids, weights };
}

/** Dot product of two sparse vectors (ids ascending). */
export function sparseDot(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < a.ids.length && j < b.ids.length) {
    const x = a.ids[i];
    const y = b.ids[j];
    if (x === y) s += a.weights[i++] * b.weights[j++];
    else if (x < y) i++;
    else j++;
  }
  return s;
}
