import { readFile } from 'node:fs/promises';
import { sentences, tokenize } from '../lexical/tokenize.js';
import { TopK, dot, halvesToFloats, normalize, toHalf } from '../vectors/vector-math.js';
import { KeptResults } from '../../util/kept-results.js';
import { writeWhole } from '../../util/write-whole.js';

/**
 * Paperboy's own embedding model: static embeddings of stemmed words and word bigrams, combined by an
 * idf-weighted sum and normalised. Trained on the instance's own papers with an in-batch contrastive
 * loss on (title, abstract) and (sentence, rest of paper) pairs, starting from a co-occurrence
 * initialisation so that words used in the same papers start close together (training.ts). This
 * file is what searching needs: loading, saving, embedding and a word's neighbours.
 */

export const CORPUS_MODEL_NAME = 'paperboy-corpus';
// Format 2 stores the vectors in half precision (format 1, single precision, still loads): the demo
// model ships in the repository, and half the bytes cost nothing measurable in quality, since
// trained vectors are rounded to half precision before use (see roundToHalf).
export const CORPUS_MODEL_FORMAT = 2;
// Format 3 stores each word's vector as int8 with one single-precision scale per word (its largest
// magnitude / 127): a quarter of single precision, for the base model shipped in the repository.
export const CORPUS_MODEL_FORMAT_INT8 = 3;
/** The version of the shipped base model starts with this (`base-75000d-...`), an instance's with its date. */
export const BASE_MODEL_PREFIX = 'base-';
export type ModelPrecision = 'half' | 'int8';

export interface SparseText {
  ids: Int32Array;
  weights: Float32Array;
}

export class CorpusModel {
  readonly index: Map<string, number>;
  /** whether the vocabulary holds word pairs (`a_b`); a word itself never holds `_` */
  private readonly bigrams: boolean;
  private readonly norms: Float32Array;
  /**
   * The sentence vectors of the papers sentence-matched most recently, by title while the abstract
   * is the same: a search re-ranks the same popular papers again and again, and embedding their
   * sentences (tokenising and stemming them) is most of a sentence match's time. About 10 kB a paper.
   */
  private readonly sentenceVectors = new KeptResults<Float32Array>(1000);

  constructor(
    readonly vocab: string[],
    readonly idf: Float32Array,
    readonly dim: number,
    readonly vectors: Float32Array,
    readonly version: string,
  ) {
    this.index = new Map(vocab.map((t, i) => [t, i]));
    this.bigrams = vocab.some((t) => t.includes('_'));
    // Word vector lengths for the soft match, computed here so that no search pays for them.
    this.norms = new Float32Array(vocab.length);
    for (let i = 0; i < vocab.length; i++) this.norms[i] = Math.sqrt(dot(vectors, i * dim, vectors, i * dim, dim));
  }

  get name(): string {
    return CORPUS_MODEL_NAME;
  }

  /** Whether this is the shipped base model (trained on arXiv at large, not on this instance's papers). */
  get isBase(): boolean {
    return this.version.startsWith(BASE_MODEL_PREFIX);
  }

  /**
   * How many of this instance's papers it was trained on (from its version, `DATE-Nd-...`): none for
   * the base model, so that an instance retrains once it has enough papers of its own; null when
   * the version does not say.
   */
  get papers(): number | null {
    if (this.isBase) return 0;
    const m = /^\d{4}-\d{2}-\d{2}-(\d+)d-/.exec(this.version);
    return m ? Number(m[1]) : null;
  }

  /** Features of a text: vocabulary ids with idf * (1 + ln tf) weights. */
  features(text: string): SparseText {
    return featuresOf(tokenize(text), this.index, this.idf, this.bigrams);
  }

  /** Unit-length embedding (all zeros when no word of the text is known). */
  embed(text: string, out: Float32Array = new Float32Array(this.dim), outOff = 0): Float32Array {
    const f = this.features(text);
    sumInto(this.vectors, this.dim, f, out, outOff);
    normalize(out, outOff, this.dim);
    return out;
  }

  embedPaper(title: string, abstract: string, out?: Float32Array, outOff?: number): Float32Array {
    return this.embed(`${title}. ${title}. ${abstract}`, out, outOff);
  }

  /**
   * Soft word matching of a query against each of `docs`: for every known query word, its best cosine
   * with any word of the paper (1 when the paper has the word itself), averaged with the words' idf as
   * weights. Unlike the pooled embedding, each query word must find its own counterpart in the paper
   * ("unwanted plants" in a paper about weeds, "sewer" in one about wastewater).
   * Returns one score in [0, 1] per paper (0 for a query with no known word).
   */
  softMatch(query: string, docs: readonly { title: string; abstract: string }[]): number[] {
    const q = this.features(query).ids;
    const dim = this.dim;
    // The query words' unit vectors, side by side, so that each paper word's vector is read once.
    const nq = q.length;
    const Q = new Float32Array(nq * dim);
    for (let i = 0; i < nq; i++) {
      const n = this.norms[q[i]];
      if (n > 0) for (let d = 0; d < dim; d++) Q[i * dim + d] = this.vectors[q[i] * dim + d] / n;
    }
    let weightSum = 0;
    for (const id of q) weightSum += this.idf[id];
    if (weightSum === 0) return docs.map(() => 0);
    // Cosines of the query words with each distinct word of the papers, computed once per word.
    const cosines = new Map<number, Float32Array>();
    return docs.map((doc) => {
      const words = this.features(`${doc.title}. ${doc.abstract}`).ids;
      const rows: Float32Array[] = [];
      for (const u of words) {
        let c = cosines.get(u);
        if (!c) {
          c = this.cosinesWith(Q, nq, u);
          cosines.set(u, c);
        }
        rows.push(c);
      }
      const present = new Set(words);
      let s = 0;
      for (let j = 0; j < nq; j++) {
        let best = 0;
        if (present.has(q[j])) best = 1;
        else for (const c of rows) if (c[j] > best) best = c[j];
        s += this.idf[q[j]] * best;
      }
      return s / weightSum;
    });
  }

  /**
   * Sentence match of a query against each of `docs`: the best cosine of the query's embedding with
   * the embedding of any one sentence of the paper (its title counting as one). A query that says
   * one thing a paper says finds it there, where the paper's pooled vector, the mean of all it says,
   * lies further away. One score in [-1, 1] per paper (0 for a query with no known word).
   */
  sentenceMatch(query: string, docs: readonly { title: string; abstract: string }[]): number[] {
    const dim = this.dim;
    const q = this.embed(query);
    return docs.map((doc) => {
      const rows = this.sentenceVectors.get(doc.title, [doc.abstract], () => {
        const list = [doc.title, ...sentences(doc.abstract)];
        const out = new Float32Array(list.length * dim);
        list.forEach((s, i) => this.embed(s, out, i * dim));
        return out;
      });
      let best = -1;
      for (let o = 0; o < rows.length; o += dim) best = Math.max(best, dot(q, 0, rows, o, dim));
      return best;
    });
  }

  /** Cosines of word `u` with the `nq` unit vectors in `Q`, four at a time. */
  private cosinesWith(Q: Float32Array, nq: number, u: number): Float32Array {
    const dim = this.dim;
    const V = this.vectors;
    const c = new Float32Array(nq);
    const n = this.norms[u];
    if (n === 0) return c;
    const ub = u * dim;
    let i = 0;
    for (; i + 3 < nq; i += 4) {
      const o0 = i * dim;
      const o1 = o0 + dim;
      const o2 = o1 + dim;
      const o3 = o2 + dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let d = 0; d < dim; d++) {
        const x = V[ub + d];
        s0 += Q[o0 + d] * x;
        s1 += Q[o1 + d] * x;
        s2 += Q[o2 + d] * x;
        s3 += Q[o3 + d] * x;
      }
      c[i] = s0 / n;
      c[i + 1] = s1 / n;
      c[i + 2] = s2 / n;
      c[i + 3] = s3 / n;
    }
    for (; i < nq; i++) c[i] = dot(Q, i * dim, V, ub, dim) / n;
    return c;
  }

  /** Nearest vocabulary entries to a word by cosine (for inspection and tests). */
  neighbours(word: string, k = 10): string[] {
    const own = new Set(this.features(word).ids);
    if (own.size === 0) return [];
    const v = this.embed(word);
    const top = new TopK(k + own.size);
    for (let i = 0; i < this.vocab.length; i++) {
      const n = this.norms[i] || 1;
      top.push(i, dot(v, 0, this.vectors, i * this.dim, this.dim) / n);
    }
    return top
      .sorted()
      .filter((r) => !own.has(r.index))
      .slice(0, k)
      .map((r) => this.vocab[r.index]);
  }

  /** The same model under another version. */
  withVersion(version: string): CorpusModel {
    return new CorpusModel(this.vocab, this.idf, this.dim, this.vectors, version);
  }

  async save(path: string, precision: ModelPrecision = 'half'): Promise<void> {
    const header = Buffer.from(
      JSON.stringify({
        name: CORPUS_MODEL_NAME,
        format: precision === 'int8' ? CORPUS_MODEL_FORMAT_INT8 : CORPUS_MODEL_FORMAT,
        version: this.version,
        dim: this.dim,
        vocab: this.vocab,
        idf: Array.from(this.idf),
      }),
    );
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    const body = precision === 'int8' ? quantiseRows(this.vectors, this.vocab.length, this.dim) : Buffer.alloc(this.vectors.length * 2);
    if (precision === 'half') for (let i = 0; i < this.vectors.length; i++) body.writeUInt16LE(toHalf(this.vectors[i]), i * 2);
    await writeWhole(path, Buffer.concat([Buffer.from('PBEM'), len, header, body]));
  }

  static async load(path: string): Promise<CorpusModel> {
    const buf = await readFile(path);
    if (buf.length < 8 || buf.subarray(0, 4).toString() !== 'PBEM') throw new Error(`search: ${path} is not a Paperboy embedding model`);
    const len = buf.readUInt32LE(4);
    let header: { name: string; format: number; version: string; dim: number; vocab: string[]; idf: number[] };
    try {
      header = JSON.parse(buf.subarray(8, 8 + len).toString());
    } catch {
      throw new Error(`search: model file ${path} is damaged (its header does not read)`);
    }
    if (header.format !== 1 && header.format !== CORPUS_MODEL_FORMAT && header.format !== CORPUS_MODEL_FORMAT_INT8)
      throw new Error(`search: unsupported model format ${header.format} in ${path}`);
    if (!Array.isArray(header.vocab) || !Array.isArray(header.idf) || header.idf.length !== header.vocab.length || !(header.dim > 0))
      throw new Error(`search: model file ${path} is damaged (its header does not describe a model)`);
    const start = 8 + len;
    const count = header.vocab.length * header.dim;
    const bytes = header.format === 1 ? count * 4 : header.format === CORPUS_MODEL_FORMAT ? count * 2 : header.vocab.length * 4 + count;
    if (buf.length - start !== bytes)
      throw new Error(`search: model file ${path} is ${buf.length - start < bytes ? 'truncated' : 'damaged (longer than its header says)'}`);
    // In shared memory from the start: the search threads read this array itself (threads/pool.ts),
    // where a copy for them cost another 74 MB per web process with the default model.
    const vectors = new Float32Array(new SharedArrayBuffer(count * 4));
    if (header.format === CORPUS_MODEL_FORMAT) halvesToFloats(buf.subarray(start), count, vectors);
    else if (header.format === CORPUS_MODEL_FORMAT_INT8) dequantiseRows(buf.subarray(start), header.vocab.length, header.dim, vectors);
    else new Uint8Array(vectors.buffer).set(buf.subarray(start));
    return new CorpusModel(header.vocab, Float32Array.from(header.idf), header.dim, vectors, header.version);
  }
}

/** Each row as int8 with its scale: the V scales (float32, little-endian) first, then the V * dim bytes. */
function quantiseRows(vectors: Float32Array, V: number, dim: number): Buffer {
  const out = Buffer.alloc(V * 4 + V * dim);
  const q = new Int8Array(out.buffer, out.byteOffset + V * 4, V * dim);
  for (let i = 0; i < V; i++) {
    let max = 0;
    for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(vectors[i * dim + d]));
    const scale = Math.fround(max / 127);
    out.writeFloatLE(scale, i * 4);
    if (scale > 0) for (let d = 0; d < dim; d++) q[i * dim + d] = Math.round(vectors[i * dim + d] / scale);
  }
  return out;
}

function dequantiseRows(bytes: Buffer, V: number, dim: number, out: Float32Array<ArrayBufferLike> = new Float32Array(V * dim)): Float32Array<ArrayBufferLike> {
  const q = new Int8Array(bytes.buffer, bytes.byteOffset + V * 4, V * dim);
  for (let i = 0; i < V; i++) {
    const scale = bytes.readFloatLE(i * 4);
    for (let d = 0; d < dim; d++) out[i * dim + d] = q[i * dim + d] * scale;
  }
  return out;
}

/** `bigrams` false skips looking up word pairs (a model without them): half the time of a paper. */
export function featuresOf(tokens: string[], index: Map<string, number>, idf: Float32Array, bigrams = true): SparseText {
  const counts = new Map<number, number>();
  for (let i = 0; i < tokens.length; i++) {
    const id = index.get(tokens[i]);
    if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
    if (bigrams && i + 1 < tokens.length) {
      const b = index.get(`${tokens[i]}_${tokens[i + 1]}`);
      if (b !== undefined) counts.set(b, (counts.get(b) ?? 0) + 1);
    }
  }
  const ids = new Int32Array(counts.size);
  const weights = new Float32Array(counts.size);
  let j = 0;
  for (const [id, c] of counts) {
    ids[j] = id;
    weights[j] = idf[id] * (1 + Math.log(c));
    j++;
  }
  return { ids, weights };
}

export function sumInto(vectors: Float32Array, dim: number, f: SparseText, out: Float32Array, outOff: number): void {
  for (let d = 0; d < dim; d++) out[outOff + d] = 0;
  for (let j = 0; j < f.ids.length; j++) {
    const base = f.ids[j] * dim;
    const w = f.weights[j];
    for (let d = 0; d < dim; d++) out[outOff + d] += w * vectors[base + d];
  }
}
