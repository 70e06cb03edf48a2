import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { DEMO_PAPERS } from '../../papers/demo.js';
import { SHIPPED_MODEL } from '../embedders/embedder.js';
import { tokenize } from '../lexical/tokenize.js';
import { ExactVectorIndex } from '../vectors/vector-index.js';
import { CorpusModel } from './model.js';
import { buildVocabulary, combineMembers, trainCorpusModel } from './training.js';
import { trainCorpusModelOnThreads, trainWithBaseOnThreads } from './train-worker.js';
import { addRotated, dot, gaussian, rng, symmetricEigen } from '../vectors/vector-math.js';

// A tiny corpus with two topics, so that training has something to learn in a second.
function corpus(n: number) {
  const r = rng(11);
  const topics = [
    ['graph', 'node', 'edge', 'message', 'passing', 'molecule', 'vertex', 'neighbourhood'],
    ['speech', 'audio', 'acoustic', 'phoneme', 'spectrogram', 'speaker', 'waveform', 'utterance'],
  ];
  const pick = (ws: string[], k: number) => Array.from({ length: k }, () => ws[Math.floor(r() * ws.length)]).join(' ');
  return Array.from({ length: n }, (_, i) => {
    const t = topics[i % 2];
    return {
      title: `${pick(t, 4)} model`,
      abstract: `${pick(t, 12)} results. ${pick(t, 10)} experiments. ${pick(t, 10)} analysis.`,
    };
  });
}

test('training reduces the contrastive loss and separates topics', () => {
  const { model, losses } = trainCorpusModel(corpus(400), { dim: 16, batchSize: 32, epochs: 3, init: 'random', seed: 2 });
  const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
  const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
  assert.ok(last < first * 0.9, `loss ${first} -> ${last}`);
  const g = model.embed('graph message passing');
  const g2 = model.embed('molecule vertex edge');
  const s = model.embed('speech waveform');
  assert.ok(dot(g, 0, g2, 0, 16) > dot(g, 0, s, 0, 16));
});

test('members: tables are turned onto the first before averaging, so a rotated copy adds nothing', () => {
  const r = rng(9);
  const V = 40;
  const dim = 6;
  const vocab = Array.from({ length: V }, (_, i) => `w${i}`);
  const idf = new Float32Array(V).fill(1);
  const table = Float32Array.from({ length: V * dim }, () => gaussian(r));
  const a = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) for (let j = i; j < dim; j++) a[i * dim + j] = a[j * dim + i] = gaussian(r);
  const rotated = new Float32Array(V * dim);
  addRotated(table, symmetricEigen(a, dim).vectors, V, dim, rotated);
  const one = combineMembers({ vocab, idf, tables: [table] }, dim, 10);
  const two = combineMembers({ vocab, idf, tables: [table, rotated] }, dim, 10);
  // A plain average of the two would shrink and blur the words; aligned, it is the table itself
  // (up to half-precision rounding).
  for (let i = 0; i < table.length; i++) assert.ok(Math.abs(two.vectors[i] - one.vectors[i]) < 5e-3, `weight ${i}`);
  assert.match(two.version, /-6x2$/);
  assert.match(one.version, /-6$/);
});

test('a model of several members learns the topics, and training on threads gives the same model', async () => {
  const docs = corpus(400);
  const opts = { dim: 16, batchSize: 32, epochs: 2, init: 'random' as const, seed: 4, members: 3 };
  const { model, losses } = trainCorpusModel(docs, opts);
  const single = trainCorpusModel(docs, { ...opts, members: 1 });
  assert.notDeepEqual(Array.from(model.vectors), Array.from(single.model.vectors));
  const g = model.embed('graph message passing');
  assert.ok(dot(g, 0, model.embed('molecule vertex edge'), 0, 16) > dot(g, 0, model.embed('speech waveform'), 0, 16) + 0.2);
  const seen: number[] = [];
  const aligned: string[] = [];
  const threaded = await trainCorpusModelOnThreads(docs, opts, 2, (done, of, phase) => {
    if (phase === 'train') seen.push(done);
    else aligned.push(`${done}/${of}`);
  });
  assert.deepEqual(Array.from(threaded.model.vectors), Array.from(model.vectors));
  assert.deepEqual(threaded.model.vocab, model.vocab);
  assert.deepEqual(threaded.losses, losses);
  // One loss per batch: the progress ends at every batch of every member.
  assert.ok(
    seen.every((x, i) => i === 0 || x >= seen[i - 1]),
    'progress never goes back',
  );
  assert.equal(seen.at(-1), losses.length);
  assert.equal(losses.length, 3 * single.losses.length);
  // Then members 2 and 3 are turned onto the first, one after the other.
  assert.deepEqual(aligned, ['1/2', '2/2']);
  await assert.rejects(trainCorpusModelOnThreads(docs, { ...opts, members: 0 }), /members must be/);
});

test('a saved model loads back identical', async () => {
  const { model } = trainCorpusModel(corpus(100), { dim: 8, batchSize: 16 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-model-'));
  try {
    const file = path.join(dir, 'model.pbem');
    await model.save(file);
    const back = await CorpusModel.load(file);
    assert.equal(back.version, model.version);
    assert.deepEqual(back.vocab, model.vocab);
    // In shared memory: the search threads read this array, not a copy of it (threads/pool.ts).
    assert.ok(back.vectors.buffer instanceof SharedArrayBuffer, 'a loaded model is in shared memory');
    assert.deepEqual(Array.from(back.embed('graph node')), Array.from(model.embed('graph node')));
    assert.equal(
      model.embed('zzz unknown').every((x) => x === 0),
      true,
    );
    // Half precision: two bytes a weight after the header.
    const headerBytes = fs.readFileSync(file).readUInt32LE(4);
    assert.equal(fs.statSync(file).size, 8 + headerBytes + model.vocab.length * model.dim * 2);
    // A model saved in the earlier single-precision format (1) still loads.
    const header = Buffer.from(
      JSON.stringify({ name: model.name, format: 1, version: model.version, dim: model.dim, vocab: model.vocab, idf: Array.from(model.idf) }),
    );
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    const old = path.join(dir, 'old.pbem');
    fs.writeFileSync(
      old,
      Buffer.concat([Buffer.from('PBEM'), len, header, Buffer.from(model.vectors.buffer, model.vectors.byteOffset, model.vectors.byteLength)]),
    );
    const oldBack = await CorpusModel.load(old);
    assert.deepEqual(Array.from(oldBack.vectors), Array.from(model.vectors));
    assert.ok(oldBack.vectors.buffer instanceof SharedArrayBuffer, 'a single-precision model too');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('softMatch: each query word counts its closest word in the paper, 1 for the word itself', () => {
  const { model } = trainCorpusModel(corpus(400), { dim: 16, batchSize: 32, epochs: 3, init: 'random', seed: 2 });
  const [same, related, other] = model.softMatch('graph molecule', [
    { title: 'Graph models', abstract: 'A molecule.' },
    { title: 'Vertex models', abstract: 'Edge and neighbourhood message passing.' },
    { title: 'Speech models', abstract: 'Audio waveform and speaker.' },
  ]);
  assert.ok(Math.abs(same - 1) < 1e-6, String(same));
  assert.ok(related > other + 0.2, `related ${related}, other ${other}`);
  assert.ok(related < 1);
  // Words the model does not know count for nothing, on either side.
  assert.deepEqual(model.softMatch('graph zzzunknown', [{ title: 'graph', abstract: 'qqqunknown' }]), [1]);
  assert.deepEqual(model.softMatch('zzz unknown', [{ title: 'graph', abstract: '' }]), [0]);
  assert.deepEqual(model.softMatch('graph', []), []);
});

test('sentenceMatch: the best cosine of the query with any one sentence of the paper, its title one of them', () => {
  // Four words along the four axes.
  const model = new CorpusModel(
    ['graph', 'node', 'speech', 'audio'],
    Float32Array.from([1, 1, 1, 1]),
    4,
    Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
    'v',
  );
  const oneSentence = { title: 'Speech and audio', abstract: 'We study graph node methods here. Speech audio speech audio follows at length.' };
  const spread = { title: 'Speech and audio', abstract: 'We study graph speech methods here. Then node audio methods follow at length.' };
  const titled = { title: 'Graph node', abstract: 'Speech and audio at length, with speech audio again.' };
  const [one, apart, title] = model.sentenceMatch('graph node', [oneSentence, spread, titled]);
  assert.ok(Math.abs(one - 1) < 1e-6, `the sentence that says the query: ${one}`);
  assert.ok(Math.abs(title - 1) < 1e-6, `the title: ${title}`);
  assert.ok(Math.abs(apart - 0.5) < 1e-6, `the query's words in two sentences: ${apart}`);
  // The pooled vector of the first paper is further from the query than its best sentence.
  const q = model.embed('graph node');
  const pooled = model.embedPaper(oneSentence.title, oneSentence.abstract);
  assert.ok(q.reduce((a, x, i) => a + x * pooled[i], 0) < 0.5);
  // Kept by title while the abstract is the same: a changed abstract is embedded anew.
  assert.deepEqual(model.sentenceMatch('graph node', [oneSentence, { ...oneSentence, abstract: spread.abstract }]), [one, apart]);
  assert.deepEqual(model.sentenceMatch('zzz unknown', [oneSentence]), [0]);
  assert.deepEqual(model.sentenceMatch('graph', []), []);
});

test('word pairs count when the vocabulary has them, and only then are they looked up', () => {
  // graph and node point along x, the pair graph_node along y.
  const withPair = new CorpusModel(['graph', 'node', 'graph_node'], Float32Array.from([1, 1, 1]), 2, Float32Array.from([1, 0, 1, 0, 0, 1]), 'v');
  const v = withPair.embed('graph node');
  assert.ok(v[1] > 0.4, `pair ignored: ${Array.from(v)}`);
  assert.deepEqual(withPair.features('node graph').ids.length, 2); // pairs are ordered
  const plain = new CorpusModel(['graph', 'node'], Float32Array.from([1, 1]), 2, Float32Array.from([1, 0, 1, 0]), 'v');
  assert.deepEqual(Array.from(plain.embed('graph node')), [1, 0]);
});

test('the vocabulary keeps words of a single paper, and its cap drops whole levels of document frequency', () => {
  const docs = [
    ['graph', 'node', 'edge'],
    ['graph', 'node', 'vertex'],
    ['graph', 'speech', 'audio'],
  ];
  const all = buildVocabulary(docs, { maxVocab: 100, minDf: 1, bigrams: 0, bigramMinDf: 2 });
  assert.deepEqual(all.vocab, ['graph', 'node', 'audio', 'edge', 'speech', 'vertex']);
  // Room for 4: 'graph' and 'node' fit, and of the four words used once none is chosen by its spelling.
  assert.deepEqual(buildVocabulary(docs, { maxVocab: 4, minDf: 1, bigrams: 0, bigramMinDf: 2 }).vocab, ['graph', 'node']);
  assert.deepEqual(buildVocabulary(docs, { maxVocab: 2, minDf: 1, bigrams: 0, bigramMinDf: 2 }).vocab, ['graph', 'node']);
  assert.deepEqual(buildVocabulary(docs, { maxVocab: 100, minDf: 2, bigrams: 0, bigramMinDf: 2 }).vocab, ['graph', 'node']);
  assert.ok(all.idf[0] < all.idf[1] && all.idf[1] < all.idf[2]);
});

// The shipped model (the base model, whose training data holds the demo papers) against the demo
// papers: queries written in other words than each paper's title find that paper in the top 1% of
// all 7,307 by meaning alone (no lexical index, no feedback). Ranks with the demo's own model that
// kept words of a single paper: 1, 8, 12, 51 (without them: 1, 32, 21, 12; the earlier
// temperature-0.05 model: 3, 137, 6, 152).
test('the shipped model finds demo papers described in other words', async () => {
  const model = await CorpusModel.load(SHIPPED_MODEL);
  const papers = zlib
    .gunzipSync(fs.readFileSync(DEMO_PAPERS))
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; title: string; abstract: string });
  const vectors = new Float32Array(papers.length * model.dim);
  papers.forEach((p, i) => model.embedPaper(p.title, p.abstract, vectors, i * model.dim));
  const index = new ExactVectorIndex(model.dim, vectors);
  const cases: [string, string][] = [
    ['a collection of spoken Romanian recordings to make transcription models robust to new domains', '2603.02368'],
    ['models that cheat the unit tests instead of solving the task when trained with verifiable rewards', '2603.07084'],
    ['editing facts stored in an LLM so that edits about one subject still hold when it follows instructions', '2603.15518'],
    ['transformers that loop over one shared block to reason for more steps at inference time', '2603.21676'],
  ];
  for (const [query, id] of cases) {
    const top = index.search(model.embed(query), Math.floor(papers.length / 100)).map((h) => papers[h.index].id);
    assert.ok(top.includes(id), `${query} -> ${top.slice(0, 10).join(' ')} ...`);
  }
});

// Two words the papers never use together, each in a few papers of one topic ("kettle" with the
// graphs, "teapot" with speech), that a start model (a base model trained on other papers) holds
// to be near synonyms; it also knows a word no paper uses.
function warmFixture() {
  const docs = corpus(400).map((d, i) => (i < 12 ? { ...d, abstract: `${d.abstract} ${i % 2 ? 'teapot' : 'kettle'} study.` } : d));
  const dim = 16;
  const r = rng(21);
  // The start model's words are stemmed, as a trained model's are.
  const words = tokenize(
    'graph node edge message passing molecule vertex neighbourhood speech audio acoustic phoneme spectrogram speaker waveform utterance model kettle teapot elsewhere',
  );
  const vectors = new Float32Array(words.length * dim);
  for (let i = 0; i < vectors.length; i++) vectors[i] = gaussian(r);
  const kettle = words.indexOf('kettl');
  const teapot = words.indexOf('teapot');
  for (let d = 0; d < dim; d++) vectors[teapot * dim + d] = vectors[kettle * dim + d] + 0.2 * gaussian(r);
  const cos = (m: CorpusModel, a: string, b: string) => {
    const [x, y] = [m.embed(a), m.embed(b)];
    return dot(x, 0, y, 0, dim);
  };
  return { docs, dim, start: { vocab: words, vectors, dim }, cos, opts: { dim, batchSize: 32, epochs: 1, seed: 3, members: 1 } };
}

test('a warm start keeps a relation of the start model that the papers alone do not give', () => {
  const { docs, start, cos, opts } = warmFixture();
  const warm = trainCorpusModel(docs, { ...opts, start }).model;
  const cold = trainCorpusModel(docs, opts).model;
  assert.ok(cos(warm, 'kettle', 'teapot') > 0.6, `warm: kettle ~ teapot ${cos(warm, 'kettle', 'teapot')}`);
  assert.ok(cos(cold, 'kettle', 'teapot') < 0.3, `from random: kettle ~ teapot ${cos(cold, 'kettle', 'teapot')}`);
  // The papers are still learnt: a topic's words stay closer to each other than to the other topic's.
  for (const m of [warm, cold]) assert.ok(cos(m, 'graph message', 'vertex edge') > cos(m, 'graph message', 'speech audio') + 0.2);
  // Words the start model does not know start as without it; one of another size is refused.
  assert.ok(warm.embed('results experiments').some((x) => x !== 0));
  assert.throws(
    () => trainCorpusModel(docs, { ...opts, start: { ...start, vectors: start.vectors.subarray(0, start.vocab.length * 8), dim: 8 } }),
    /8 dimensions/,
  );
});

test('train-embedder and the retrain start from the base file on threads (EMBEDDER_BASE_START=warm), or merge with it', async () => {
  const { docs, dim, start, cos, opts } = warmFixture();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-warm-'));
  try {
    const file = path.join(dir, 'base.pbem');
    await new CorpusModel(start.vocab, new Float32Array(start.vocab.length).fill(2), dim, start.vectors, 'base-99d-20v-16').save(file);
    const warm = await trainWithBaseOnThreads(docs, { ...opts, members: 2 }, { file, start: 'warm' }, 2);
    assert.ok(warm.merged);
    assert.match(warm.model.version, /-16x2\+base$/);
    assert.ok(cos(warm.model, 'kettle', 'teapot') > 0.6, `warm: kettle ~ teapot ${cos(warm.model, 'kettle', 'teapot')}`);
    assert.ok(warm.model.index.has('elsewher'), 'a word only the base knows joins');
    const merged = await trainWithBaseOnThreads(docs, { ...opts, members: 2 }, { file, start: 'merge' }, 2);
    assert.ok(cos(merged.model, 'kettle', 'teapot') < cos(warm.model, 'kettle', 'teapot'));
    // A model of another size than the base neither starts from it nor is merged.
    const other = await trainWithBaseOnThreads(docs, { ...opts, dim: 8 }, { file, start: 'warm' }, 1);
    assert.equal(other.merged, false);
    assert.doesNotMatch(other.model.version, /\+base/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
