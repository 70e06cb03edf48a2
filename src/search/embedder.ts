import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CorpusModel } from './corpus-model.js';
import { httpEmbedder } from './http-embedder.js';
import { onnxEmbedder } from './onnx-embedder.js';

/** Turns text into unit vectors. Chosen by EMBEDDER: `corpus` (default), `onnx:DIR`, `http:URL` or `none`. */
export interface Embedder {
  readonly name: string;
  readonly version: string;
  readonly dim: number;
  embedQuery(text: string): Promise<Float32Array>;
  embedPapers(papers: { title: string; abstract: string }[]): Promise<Float32Array[]>;
  /** Word-by-word match of a query with papers' text (only a model with word vectors has it). */
  softMatch?(query: string, papers: readonly { title: string; abstract: string }[]): number[];
}

/** Where `paperboy train-embedder` writes the instance's model. */
export function corpusModelPath(dataDir: string): string {
  return path.join(dataDir, 'models', 'corpus.pbem');
}

/** The model trained on the bundled demo papers, so a fresh start can search by meaning. */
export const SHIPPED_MODEL = fileURLToPath(new URL('../../../demo/corpus-model.pbem', import.meta.url));

export function corpusEmbedder(model: CorpusModel): Embedder {
  return {
    name: model.name,
    version: model.version,
    dim: model.dim,
    async embedQuery(text) {
      return model.embed(text);
    },
    async embedPapers(papers) {
      return papers.map((p) => model.embedPaper(p.title, p.abstract));
    },
    softMatch(query, papers) {
      return model.softMatch(query, papers);
    },
  };
}

/** The embedder EMBEDDER names, or null for `none` (lexical search only) and when no model exists yet. */
export async function loadEmbedder(setting: string, dataDir: string, httpModel = 'default'): Promise<Embedder | null> {
  if (setting === 'none') return null;
  if (setting.startsWith('http:')) return httpEmbedder(setting.slice('http:'.length), httpModel);
  if (setting.startsWith('onnx:')) return onnxEmbedder(setting.slice('onnx:'.length));
  if (setting !== 'corpus') throw new Error(`search: unknown EMBEDDER "${setting}" (want corpus, onnx:DIR, http:URL or none)`);
  const own = corpusModelPath(dataDir);
  const file = fs.existsSync(own) ? own : fs.existsSync(SHIPPED_MODEL) ? SHIPPED_MODEL : null;
  return file ? corpusEmbedder(await CorpusModel.load(file)) : null;
}
