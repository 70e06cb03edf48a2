import fs from 'node:fs';
import path from 'node:path';
import { rng } from '../vectors/vector-math.js';

/**
 * Builds a small sentence-transformers-shaped model directory (model.onnx + tokenizer.json +
 * tokenizer_config.json) for testing the `onnx:` embedder without downloading anything. The model
 * is a real ONNX graph run by onnxruntime: token and token-type embedding lookups, with non-zero
 * states at padded positions, returned as `last_hidden_state` [batch, tokens, dim] like a BERT export. The
 * protobuf is written by hand from the field numbers in onnx.proto.
 */

/* ---- protobuf wire format ---- */

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
}

class Message {
  private parts: Buffer[] = [];
  private key(field: number, wire: number): void {
    this.parts.push(Buffer.from(varint((field << 3) | wire)));
  }
  int(field: number, value: number | bigint): this {
    this.key(field, 0);
    this.parts.push(Buffer.from(varint(value)));
    return this;
  }
  bytes(field: number, value: Buffer | string | Message): this {
    const buf = value instanceof Message ? value.toBuffer() : Buffer.from(value);
    this.key(field, 2);
    this.parts.push(Buffer.from(varint(buf.length)), buf);
    return this;
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const FLOAT = 1;
const INT64 = 7;

function tensor(name: string, dims: number[], type: number, raw: Buffer): Message {
  const t = new Message();
  for (const d of dims) t.int(1, d);
  return t.int(2, type).bytes(8, name).bytes(9, raw);
}

function valueInfo(name: string, type: number, dims: (number | string)[]): Message {
  const shape = new Message();
  for (const d of dims) shape.bytes(1, typeof d === 'number' ? new Message().int(1, d) : new Message().bytes(2, d));
  const tensorType = new Message().int(1, type).bytes(2, shape);
  return new Message().bytes(1, name).bytes(2, new Message().bytes(1, tensorType));
}

function node(op: string, inputs: string[], outputs: string[], attrs: Message[] = []): Message {
  const n = new Message();
  for (const i of inputs) n.bytes(1, i);
  for (const o of outputs) n.bytes(2, o);
  n.bytes(3, `${op}_${outputs[0]}`).bytes(4, op);
  for (const a of attrs) n.bytes(5, a);
  return n;
}

const floats = (values: Float32Array): Buffer => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

/**
 * A model.onnx: last_hidden_state[b,t,:] = word[input_ids[b,t]] + type[token_type_ids[b,t]], plus
 * a large constant where attention_mask is 0. Like a real encoder, padded positions carry states
 * that pooling must leave out.
 */
export function buildOnnxModel(word: Float32Array[], type: Float32Array[]): Buffer {
  const dim = word[0].length;
  const flat = (rows: Float32Array[]) => {
    const out = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => out.set(r, i * dim));
    return out;
  };
  const graph = new Message()
    .bytes(1, node('Gather', ['word_embeddings', 'input_ids'], ['words']))
    .bytes(1, node('Gather', ['type_embeddings', 'token_type_ids'], ['types']))
    .bytes(1, node('Add', ['words', 'types'], ['summed']))
    .bytes(1, node('Cast', ['attention_mask'], ['mask_f'], [new Message().bytes(1, 'to').int(3, FLOAT).int(20, 2)]))
    .bytes(1, node('Sub', ['one', 'mask_f'], ['padding']))
    .bytes(1, node('Unsqueeze', ['padding', 'last_axis'], ['padding_3d']))
    .bytes(1, node('Mul', ['padding_3d', 'pad_state'], ['pad_states']))
    .bytes(1, node('Add', ['summed', 'pad_states'], ['last_hidden_state']))
    .bytes(2, 'paperboy-test-encoder')
    .bytes(5, tensor('word_embeddings', [word.length, dim], FLOAT, floats(flat(word))))
    .bytes(5, tensor('type_embeddings', [type.length, dim], FLOAT, floats(flat(type))))
    .bytes(5, tensor('last_axis', [1], INT64, Buffer.from(new BigInt64Array([-1n]).buffer)))
    .bytes(5, tensor('one', [], FLOAT, floats(Float32Array.of(1))))
    .bytes(5, tensor('pad_state', [dim], FLOAT, floats(new Float32Array(dim).fill(5))));
  for (const input of ['input_ids', 'attention_mask', 'token_type_ids']) graph.bytes(11, valueInfo(input, INT64, ['batch', 'tokens']));
  graph.bytes(12, valueInfo('last_hidden_state', FLOAT, ['batch', 'tokens', dim]));
  return new Message()
    .int(1, 8) // IR version 8
    .bytes(2, 'paperboy')
    .bytes(7, graph)
    .bytes(8, new Message().bytes(1, '').int(2, 13)) // default opset 13
    .toBuffer();
}

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

/** A BERT WordPiece tokenizer.json over `words` (specials first, then the words in order). */
export function buildWordPieceTokenizer(words: string[]): object {
  const vocab: Record<string, number> = {};
  [...SPECIALS, ...words].forEach((w, i) => (vocab[w] = i));
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
      pair: [
        special('[CLS]'),
        { Sequence: { id: 'A', type_id: 0 } },
        special('[SEP]'),
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [vocab[t]], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

export interface FixtureModel {
  dir: string;
  /** Token id of each vocabulary entry (specials included). */
  ids: Map<string, number>;
  word: Float32Array[];
  type: Float32Array[];
}

/**
 * Writes a model directory. `rows` gives chosen embeddings for some words (e.g. two synonyms sharing
 * one row); every other row is drawn from a seeded generator, so tests can recompute the output.
 */
export function writeFixtureModel(dir: string, words: string[], dim: number, rows: Record<string, Float32Array> = {}, maxSeqLength?: number): FixtureModel {
  const next = rng(12345);
  const rand = () => next() * 2 - 1;
  const all = [...SPECIALS, ...words];
  const word = all.map((w) => rows[w] ?? Float32Array.from({ length: dim }, rand));
  const type = [Float32Array.from({ length: dim }, () => rand() * 0.1), Float32Array.from({ length: dim }, () => rand() * 0.1)];
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.onnx'), buildOnnxModel(word, type));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(buildWordPieceTokenizer(words)));
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      do_lower_case: true,
      model_max_length: 512,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    }),
  );
  if (maxSeqLength) fs.writeFileSync(path.join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: maxSeqLength, do_lower_case: false }));
  return { dir, ids: new Map(all.map((w, i) => [w, i])), word, type };
}
