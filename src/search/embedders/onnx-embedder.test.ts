import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../../testing/databases.js';
import { buildPaper } from '../../papers/paper.js';
import { createPaperStore } from '../../papers/store.js';
import { loadEmbedder } from './embedder.js';
import { embedMissing } from '../embed-train.js';
import { onnxEmbedder } from './onnx-embedder.js';
import { writeFixtureModel, type FixtureModel } from './onnx-fixture.js';
import { createSearchService } from '../service.js';

// The words of a tiny WordPiece vocabulary; "car" and "automobile" share one embedding row, so a
// model that reads them identically finds one from the other, as a real encoder would.
const WORDS = ['graph', '##s', 'neural', 'network', 'car', 'automobile', 'road', 'the', 'on', 'protein', 'fold', '##ing', 'driving', ',', '!', '.'];
const DIM = 8;
const CAR = Float32Array.from([1, 0.5, 0, 0, 0, 0, 0, 0]);

/** What the pipeline must produce: the mean of (word + type-0) rows over the tokens, unit length. */
function expected(m: FixtureModel, tokens: string[]): number[] {
  const v = new Array<number>(DIM).fill(0);
  for (const t of tokens) {
    const id = m.ids.get(t);
    assert.ok(id !== undefined, t);
    for (let d = 0; d < DIM; d++) v[d] += m.word[id][d] + m.type[0][d];
  }
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const close = (got: Float32Array, want: number[]) => {
  assert.equal(got.length, want.length);
  for (let d = 0; d < want.length; d++) assert.ok(Math.abs(got[d] - want[d]) < 1e-5, `component ${d}: ${got[d]} vs ${want[d]}`);
};

describe('onnx embedder', () => {
  let dir: string;
  let model: FixtureModel;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-onnx-'));
    model = writeFixtureModel(path.join(dir, 'tiny-encoder'), WORDS, DIM, { car: CAR, automobile: CAR });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('tokenises with tokenizer.json, runs the ONNX graph and mean-pools over the attention mask', async () => {
    const e = await onnxEmbedder(model.dir);
    assert.equal(e.dim, DIM);
    assert.equal(e.name, 'onnx:tiny-encoder');
    // Lower-cased, punctuation split off, "graphs" split into word pieces, unknown words as [UNK].
    close(await e.embedQuery('Graphs, neural!'), expected(model, ['[CLS]', 'graph', '##s', ',', 'neural', '!', '[SEP]']));
    close(await e.embedQuery('Folding zebras'), expected(model, ['[CLS]', 'fold', '##ing', '[UNK]', '[SEP]']));
  });

  test('padding in a batch does not change a vector; paper text is title and abstract', async () => {
    const e = await onnxEmbedder(model.dir, { batchSize: 4 });
    const short = { title: 'Protein', abstract: 'folding.' };
    const long = { title: 'The car on the road', abstract: 'Driving the automobile on the road, the car, the road, the network.' };
    const [a, b] = await e.embedPapers([short, long]);
    close(a, expected(model, ['[CLS]', 'protein', 'fold', '##ing', '.', '[SEP]']));
    const [alone] = await e.embedPapers([short]);
    close(alone, [...a]);
    assert.ok(
      b.some((x, i) => Math.abs(x - a[i]) > 1e-3),
      'the two papers differ',
    );
  });

  test('long text is cut at max_seq_length with the special tokens kept', async () => {
    const m = writeFixtureModel(path.join(dir, 'short-encoder'), WORDS, DIM, {}, 4);
    const e = await onnxEmbedder(m.dir);
    close(await e.embedQuery('graph neural network road'), expected(m, ['[CLS]', 'graph', 'neural', '[SEP]']));
  });

  test('1_Pooling/config.json picks CLS pooling; config_sentence_transformers.json prompts prefix the text', async () => {
    const m = writeFixtureModel(path.join(dir, 'cls-encoder'), WORDS, DIM);
    fs.mkdirSync(path.join(m.dir, '1_Pooling'));
    fs.writeFileSync(
      path.join(m.dir, '1_Pooling', 'config.json'),
      JSON.stringify({ word_embedding_dimension: DIM, pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }),
    );
    close(await (await onnxEmbedder(m.dir)).embedQuery('graph neural network'), expected(m, ['[CLS]']));
    fs.rmSync(path.join(m.dir, '1_Pooling'), { recursive: true });
    fs.writeFileSync(path.join(m.dir, 'config_sentence_transformers.json'), JSON.stringify({ prompts: { query: 'the road: ', document: '' } }));
    const e = await onnxEmbedder(m.dir);
    close(await e.embedQuery('car'), expected(m, ['[CLS]', 'the', 'road', '[UNK]', 'car', '[SEP]']));
    const [paper] = await e.embedPapers([{ title: 'car', abstract: '' }]);
    close(paper, expected(m, ['[CLS]', 'car', '[SEP]']));
  });

  test('a model change changes the version, so stored vectors are re-embedded', async () => {
    const a = await onnxEmbedder(model.dir);
    const other = writeFixtureModel(path.join(dir, 'other'), [...WORDS, 'extra'], DIM);
    const b = await onnxEmbedder(other.dir);
    assert.notEqual(a.version, b.version);
    assert.equal(a.version, (await onnxEmbedder(model.dir)).version);
  });

  test('a missing or broken model directory is a clear error', async () => {
    await assert.rejects(loadEmbedder(`onnx:${path.join(dir, 'nope')}`, dir), /EMBEDDER=onnx:.*nope: no such directory/);
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    await assert.rejects(onnxEmbedder(empty), /no model\.onnx in it/);
    fs.writeFileSync(path.join(empty, 'model.onnx'), 'not a model');
    await assert.rejects(onnxEmbedder(empty), /no tokenizer\.json/);
    fs.copyFileSync(path.join(model.dir, 'tokenizer.json'), path.join(empty, 'tokenizer.json'));
    await assert.rejects(onnxEmbedder(empty), /model\.onnx could not be loaded/);
  });
});

describe('onnx embedder in search [sqlite]', () => {
  let db: TestDatabase;
  let dir: string;
  before(async () => {
    db = await freshDatabase('sqlite');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-onnx-'));
    writeFixtureModel(path.join(dir, 'tiny-encoder'), WORDS, DIM, { car: CAR, automobile: CAR });
  });
  after(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('EMBEDDER=onnx:DIR embeds the papers and finds a paper by a word it does not contain', async () => {
    const papers = createPaperStore(db);
    await papers.upsertMany([
      buildPaper({ id: '2501.00001', title: 'Driving a car', abstract: 'The car on the road.', authors: ['A. Driver'] }),
      buildPaper({ id: '2501.00002', title: 'Protein folding', abstract: 'Graph neural network for protein folding.', authors: ['B. Folder'] }),
      buildPaper({ id: '2501.00003', title: 'Graph networks', abstract: 'Neural graph network.', authors: ['C. Grapher'] }),
    ]);
    const embedder = await loadEmbedder(`onnx:${path.join(dir, 'tiny-encoder')}`, dir);
    assert.ok(embedder);
    assert.equal(await embedMissing(db, embedder, { progress: false }), 3);
    const search = createSearchService({ database: db, papers, embedder });
    // No paper has the word "automobile": lexical search alone finds nothing, the model finds the car paper.
    const r = await search.search({ q: 'automobile', limit: 3 });
    assert.notEqual(r.mode, 'lexical');
    assert.equal(r.papers[0]?.paper.id, '2501.00001');
    const similar = await search.similar('2501.00002', 1);
    assert.equal(similar[0].paper.id, '2501.00003');
  });
});
