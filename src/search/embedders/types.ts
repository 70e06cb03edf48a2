import type { CorpusModel } from '../corpus-model/model.js';
// What every embedder offers, apart from embedder.ts, which chooses and loads one (and so imports them all).

/** Turns text into unit vectors. Chosen by EMBEDDER: `corpus` (default), `onnx:DIR`, `http:URL` or `none`. */
export interface Embedder {
  readonly name: string;
  readonly version: string;
  readonly dim: number;
  embedQuery(text: string): Promise<Float32Array>;
  embedPapers(papers: { title: string; abstract: string }[]): Promise<Float32Array[]>;
  /** For a corpus model: the file it was loaded from (`paperboy embed` loads it on every core). */
  readonly file?: string;
  /** For a model trained on the instance's papers: how many it was trained on (retraining compares). */
  readonly papers?: number | null;
  /** Word-by-word match of a query with papers' text (only a model with word vectors has it). */
  softMatch?(query: string, papers: readonly { title: string; abstract: string }[]): number[];
  /** Best cosine of the query with any one sentence of each paper (only a model that embeds any text cheaply has it). */
  sentenceMatch?(query: string, papers: readonly { title: string; abstract: string }[]): number[];
  /** For a corpus model: the model itself, which search threads (search/threads/) are given to embed queries off the event loop. */
  readonly corpusModel?: CorpusModel;
}
