import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Embedder } from './types.js';
import { normalize } from '../vectors/vector-math.js';

const unit = (v: Float32Array): Float32Array => {
  normalize(v);
  return v;
};

/**
 * EMBEDDER=onnx:/path/to/model-dir: a sentence-transformers model exported to ONNX, run on this
 * machine's CPU by onnxruntime. Everything is read from the directory; nothing is fetched:
 *
 *   model.onnx (or onnx/model.onnx)   the encoder; outputs `sentence_embedding`, or token states
 *                                     (`last_hidden_state` / `token_embeddings`) that are pooled here
 *   tokenizer.json                    the Hugging Face tokenizer (WordPiece, BPE, Unigram)
 *   tokenizer_config.json             optional: model_max_length
 *   sentence_bert_config.json         optional: max_seq_length (wins over model_max_length)
 *   1_Pooling/config.json             optional: cls / mean / max pooling (default mean)
 *   config_sentence_transformers.json optional: prompts.query and prompts.document (e.g. e5's
 *                                     "query: " / "passage: " prefixes)
 *
 * Vectors are L2-normalised. The version is a hash of those files, so swapping the model re-embeds.
 */

type Pooling = 'mean' | 'cls' | 'max';

interface OnnxTokenizer {
  tokenize(text: string): string[];
  token_to_id(token: string): number | undefined;
  get_added_tokens_decoder(): Map<number, { content: string }>;
  post_processor: { post_process(tokens: string[], pair: string[] | null, addSpecial: boolean): { tokens: string[]; token_type_ids?: number[] } } | null;
  model: { unk_token_id?: number } | null;
}

const readJson = (file: string): Record<string, unknown> | null => {
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`search: ${file} is not valid JSON (${(e as Error).message})`);
  }
};

/** The files of a model directory, or an error naming what is missing. */
export function onnxModelFiles(dir: string): { model: string; tokenizer: string } {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`EMBEDDER=onnx:${dir}: no such directory`);
  const model = [path.join(dir, 'model.onnx'), path.join(dir, 'onnx', 'model.onnx')].find((f) => fs.existsSync(f));
  if (!model) throw new Error(`EMBEDDER=onnx:${dir}: no model.onnx in it (nor in onnx/)`);
  const tokenizer = path.join(dir, 'tokenizer.json');
  if (!fs.existsSync(tokenizer)) throw new Error(`EMBEDDER=onnx:${dir}: no tokenizer.json in it`);
  return { model, tokenizer };
}

function poolingOf(dir: string): Pooling {
  const config = readJson(path.join(dir, '1_Pooling', 'config.json'));
  if (!config) return 'mean';
  if (config.pooling_mode_cls_token) return 'cls';
  if (config.pooling_mode_mean_tokens) return 'mean';
  if (config.pooling_mode_max_tokens) return 'max';
  throw new Error(`search: ${path.join(dir, '1_Pooling', 'config.json')} asks for a pooling mode Paperboy does not do (cls, mean and max are supported)`);
}

function maxTokensOf(dir: string, tokenizerConfig: Record<string, unknown>): number {
  const st = readJson(path.join(dir, 'sentence_bert_config.json'));
  const fromSt = Number(st?.max_seq_length);
  if (Number.isInteger(fromSt) && fromSt > 0) return fromSt;
  const fromTok = Number(tokenizerConfig.model_max_length);
  // Some configs say 1e30 for "no limit"; encoders are trained on at most 512 positions.
  return Number.isFinite(fromTok) && fromTok > 0 ? Math.min(fromTok, 512) : 256;
}

function promptsOf(dir: string): { query: string; document: string } {
  const prompts = (readJson(path.join(dir, 'config_sentence_transformers.json'))?.prompts ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return { query: text(prompts.query), document: text(prompts.document ?? prompts.passage) };
}

/** A hash of the model's files, read in 4 MiB pieces (a model.onnx can be gigabytes). */
function versionOf(files: string[]): string {
  const hash = crypto.createHash('sha256');
  const piece = Buffer.alloc(4 << 20);
  for (const f of files) {
    if (!fs.existsSync(f)) continue;
    const fd = fs.openSync(f, 'r');
    try {
      for (let n: number; (n = fs.readSync(fd, piece, 0, piece.length, null)) > 0; ) hash.update(piece.subarray(0, n));
    } finally {
      fs.closeSync(fd);
    }
  }
  return hash.digest('hex').slice(0, 16);
}

interface Encoded {
  ids: number[];
  types: number[];
}

export interface OnnxOptions {
  /** Threads onnxruntime uses inside one run (default: every core). */
  threads?: number;
  /** Texts per model run (default 32). */
  batchSize?: number;
}

export async function onnxEmbedder(dir: string, options: OnnxOptions = {}): Promise<Embedder> {
  const files = onnxModelFiles(dir);
  const [ort, { Tokenizer }] = await Promise.all([
    import('onnxruntime-node').catch((e: Error) => {
      throw new Error(`EMBEDDER=onnx: needs the onnxruntime-node package (${e.message})`);
    }),
    import('@huggingface/tokenizers'),
  ]);
  const tokenizerConfig = readJson(path.join(dir, 'tokenizer_config.json')) ?? {};
  let tokenizer: OnnxTokenizer;
  try {
    tokenizer = new Tokenizer(readJson(files.tokenizer) ?? {}, tokenizerConfig) as unknown as OnnxTokenizer;
  } catch (e) {
    throw new Error(`EMBEDDER=onnx:${dir}: tokenizer.json could not be loaded (${(e as Error).message})`);
  }
  const pooling = poolingOf(dir);
  const maxTokens = maxTokensOf(dir, tokenizerConfig);
  const prompts = promptsOf(dir);
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(files.model, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: options.threads ?? Math.max(1, os.availableParallelism()),
    });
  } catch (e) {
    throw new Error(`EMBEDDER=onnx:${dir}: ${path.basename(files.model)} could not be loaded (${(e as Error).message})`);
  }

  const known = new Set(['input_ids', 'attention_mask', 'token_type_ids']);
  const unknown = session.inputNames.filter((n) => !known.has(n));
  if (!session.inputNames.includes('input_ids') || unknown.length) {
    throw new Error(
      `EMBEDDER=onnx:${dir}: the model's inputs are ${session.inputNames.join(', ')}; Paperboy feeds input_ids, attention_mask and token_type_ids`,
    );
  }
  const int32Inputs = new Set(session.inputMetadata.filter((m) => m.isTensor && (m as { type?: string }).type === 'int32').map((m) => m.name));
  const pooled = session.outputNames.includes('sentence_embedding');
  const outputName = pooled
    ? 'sentence_embedding'
    : (['last_hidden_state', 'token_embeddings'].find((n) => session.outputNames.includes(n)) ?? session.outputNames[0]);

  const added = new Map([...tokenizer.get_added_tokens_decoder()].map(([id, t]) => [t.content, id]));
  const unk = tokenizer.model?.unk_token_id ?? 0;
  const special = tokenizer.post_processor ? tokenizer.post_processor.post_process([], null, true).tokens.length : 0;
  const encode = (text: string): Encoded => {
    const words = tokenizer.tokenize(text).slice(0, Math.max(1, maxTokens - special));
    const done = tokenizer.post_processor ? tokenizer.post_processor.post_process(words, null, true) : { tokens: words };
    const ids = done.tokens.map((t) => added.get(t) ?? tokenizer.token_to_id(t) ?? unk);
    return { ids, types: done.token_type_ids ?? ids.map(() => 0) };
  };

  const tensorOf = (name: string, rows: number[][], width: number) => {
    const data = int32Inputs.has(name) ? new Int32Array(rows.length * width) : new BigInt64Array(rows.length * width);
    rows.forEach((row, r) => {
      for (let i = 0; i < row.length; i++) {
        if (data instanceof Int32Array) data[r * width + i] = row[i];
        else data[r * width + i] = BigInt(row[i]);
      }
    });
    return new ort.Tensor(data instanceof Int32Array ? 'int32' : 'int64', data, [rows.length, width]);
  };

  /** One model run over texts of similar length; rows are padded to the longest. */
  const run = async (batch: Encoded[]): Promise<Float32Array[]> => {
    const width = Math.max(...batch.map((e) => e.ids.length));
    const masks = batch.map((e) => e.ids.map(() => 1));
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const name of session.inputNames) {
      const rows = name === 'input_ids' ? batch.map((e) => e.ids) : name === 'attention_mask' ? masks : batch.map((e) => e.types);
      feeds[name] = tensorOf(name, rows, width);
    }
    const out = (await session.run(feeds))[outputName];
    const data = out.data as Float32Array;
    const dims = out.dims;
    if (pooled) {
      if (dims.length !== 2) throw new Error(`search: ${outputName} has shape [${dims.join(', ')}], want [batch, dim]`);
      return batch.map((_, r) => unit(data.slice(r * dims[1], (r + 1) * dims[1])));
    }
    if (dims.length !== 3) throw new Error(`search: ONNX output ${outputName} has shape [${dims.join(', ')}], want [batch, tokens, dim]`);
    const [, tokens, dim] = dims;
    return batch.map((e, r) => {
      const v = new Float32Array(dim);
      const base = r * tokens * dim;
      if (pooling === 'cls') v.set(data.subarray(base, base + dim));
      else {
        if (pooling === 'max') v.fill(-Infinity);
        for (let t = 0; t < e.ids.length; t++) {
          const row = base + t * dim;
          for (let d = 0; d < dim; d++) v[d] = pooling === 'max' ? Math.max(v[d], data[row + d]) : v[d] + data[row + d];
        }
      }
      return unit(v);
    });
  };

  const batchSize = options.batchSize ?? 32;
  const embedTexts = async (texts: string[]): Promise<Float32Array[]> => {
    const encoded = texts.map(encode);
    // Similar lengths share a batch, so little of each run is padding.
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[a].ids.length - encoded[b].ids.length);
    const out = new Array<Float32Array>(texts.length);
    for (let i = 0; i < order.length; i += batchSize) {
      const slice = order.slice(i, i + batchSize);
      const vectors = await run(slice.map((j) => encoded[j]));
      slice.forEach((j, k) => (out[j] = vectors[k]));
    }
    return out;
  };

  const [probe] = await embedTexts(['dimension probe']);
  const name = `onnx:${path.basename(path.resolve(dir))}`;
  return {
    name,
    version: `${versionOf([files.model, files.tokenizer, path.join(dir, '1_Pooling', 'config.json'), path.join(dir, 'config_sentence_transformers.json'), path.join(dir, 'sentence_bert_config.json')])}-${maxTokens}`,
    dim: probe.length,
    async embedQuery(text) {
      return (await embedTexts([prompts.query + text]))[0];
    },
    async embedPapers(papers) {
      return embedTexts(papers.map((p) => `${prompts.document}${p.title}\n\n${p.abstract}`));
    },
  };
}
