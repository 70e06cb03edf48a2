import fs from 'node:fs';
import path from 'node:path';
import { BASE_MODEL_FILE } from '../corpus-model/base.js';
import { CorpusModel } from '../corpus-model/model.js';
import { httpEmbedder } from './http-embedder.js';
import { onnxEmbedder } from './onnx-embedder.js';
import { fetchModel, newestModel } from './model-store.js';
import type { Database } from '../../storage/database.js';
import type { Embedder } from './types.js';

export type { Embedder } from './types.js';

/** Where `paperboy train-embedder` writes the instance's model. */
export function corpusModelPath(dataDir: string): string {
  return path.join(dataDir, 'models', 'corpus.pbem');
}

/**
 * The model shipped in the repository, so that a fresh start (the demo included: its papers are in
 * the base's training data) searches by meaning: the base model (corpus-model/base.ts).
 */
export const SHIPPED_MODEL = BASE_MODEL_FILE;

export function corpusEmbedder(model: CorpusModel, file?: string): Embedder {
  return {
    file,
    corpusModel: model,
    name: model.name,
    version: model.version,
    dim: model.dim,
    papers: model.papers,
    async embedQuery(text) {
      return model.embed(text);
    },
    async embedPapers(papers) {
      return papers.map((p) => model.embedPaper(p.title, p.abstract));
    },
    softMatch(query, papers) {
      return model.softMatch(query, papers);
    },
    sentenceMatch(query, papers) {
      return model.sentenceMatch(query, papers);
    },
  };
}

/** The embedder EMBEDDER names, or null for `none` (lexical search only) and when no model exists yet. */
export async function loadEmbedder(
  setting: string,
  dataDir: string,
  httpModel = 'default',
  database?: Database,
  baseFile: string | null = SHIPPED_MODEL,
): Promise<Embedder | null> {
  return (await openEmbedderSource(setting, dataDir, httpModel, database, baseFile)).latest();
}

/**
 * The embedder of a process over its lifetime. For `corpus` it follows the model file: a retrain
 * (by this process's worker role, another process or `paperboy train-embedder`) replaces
 * DATA_DIR/models/corpus.pbem, and `poll` loads the new model. Other embedders never change.
 */
export interface EmbedderSource {
  /** the newest model: what new vectors are computed with */
  latest(): Embedder | null;
  /** Looks at the model file again; true when a model with another version was loaded. */
  poll(): Promise<boolean>;
  /** the file it follows (corpus only) */
  readonly file: string | null;
}

/**
 * With `database`, a model published there by a retrain on another host (model-store.ts) is copied
 * into DATA_DIR/models first, unless the file there is newer. `baseFile` (the shipped base model;
 * null with EMBEDDER_BASE=off) serves until the instance has a model of its own.
 */
export async function openEmbedderSource(
  setting: string,
  dataDir: string,
  httpModel = 'default',
  database?: Database,
  baseFile: string | null = SHIPPED_MODEL,
): Promise<EmbedderSource> {
  const fixed = (e: Embedder | null): EmbedderSource => ({ latest: () => e, poll: async () => false, file: null });
  if (setting === 'none') return fixed(null);
  if (setting.startsWith('http:')) return fixed(await httpEmbedder(setting.slice('http:'.length), httpModel));
  if (setting.startsWith('onnx:')) return fixed(await onnxEmbedder(setting.slice('onnx:'.length)));
  if (setting !== 'corpus') throw new Error(`search: unknown EMBEDDER "${setting}" (want corpus, onnx:DIR, http:URL or none)`);
  const own = corpusModelPath(dataDir);
  let current: Embedder | null = null;
  let seen = '';
  /** The instance's own model once it has one, else the shipped base model; its file's identity. */
  const stamp = (): { file: string; key: string } | null => {
    for (const file of baseFile ? [own, baseFile] : [own]) {
      try {
        const st = fs.statSync(file);
        return { file, key: `${file}:${st.size}:${st.mtimeMs}:${st.ino}` };
      } catch {
        // not there: try the next one
      }
    }
    return null;
  };
  let fetched = '';
  /** Copies the newest published model into the file when this host does not have it yet; true when it did. */
  const fetchPublished = async (): Promise<boolean> => {
    if (!database) return false;
    // The local file serves when the database cannot say (not migrated yet, or unreachable now).
    const newest = await newestModel(database).catch(() => null);
    if (!newest || newest.version === current?.version || newest.version === fetched) return false;
    fetched = newest.version;
    // A model file put here after that one was published (by hand, or trained with no database in
    // common) is kept.
    const mtime = fs.statSync(own, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (mtime > Date.parse(newest.createdAt)) return false;
    fs.mkdirSync(path.dirname(own), { recursive: true });
    return fetchModel(database, newest.version, own);
  };
  /** Loads the model file `s` names; true when its version is not the one loaded before. */
  const load = async (s: { file: string; key: string }): Promise<boolean> => {
    // The file is replaced by a rename, never written in place, so what is read is a whole model.
    const next = corpusEmbedder(await CorpusModel.load(s.file), s.file);
    seen = s.key;
    if (current && current.version === next.version) return false;
    current = next;
    return true;
  };
  const poll = async (): Promise<boolean> => {
    let changed = false;
    // The file first: the process that trained a model (or one sharing its DATA_DIR) has it there.
    const s = stamp();
    if (s && s.key !== seen) changed = await load(s);
    if (await fetchPublished()) {
      const f = stamp();
      if (f && f.key !== seen) changed = (await load(f)) || changed;
    }
    return changed;
  };
  await poll();
  return { latest: () => current, poll, file: own };
}
