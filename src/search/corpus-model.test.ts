import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CorpusModel, trainCorpusModel } from './corpus-model.js';
import { dot, rng } from './vector-math.js';

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

test('a saved model loads back identical', async () => {
  const { model } = trainCorpusModel(corpus(100), { dim: 8, batchSize: 16 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-model-'));
  try {
    const file = path.join(dir, 'model.pbem');
    await model.save(file);
    const back = await CorpusModel.load(file);
    assert.equal(back.version, model.version);
    assert.deepEqual(back.vocab, model.vocab);
    assert.deepEqual(Array.from(back.embed('graph node')), Array.from(model.embed('graph node')));
    assert.equal(model.embed('zzz unknown').every((x) => x === 0), true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
