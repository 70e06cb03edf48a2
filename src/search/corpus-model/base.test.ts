import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dot, gaussian, rng } from '../vectors/vector-math.js';
import { BASE_MODEL_FILE, mergeWithBase } from './base.js';
import { CorpusModel } from './model.js';

const cosine = (a: Float32Array, b: Float32Array) => dot(a, 0, b, 0, a.length) / Math.sqrt(dot(a, 0, a, 0, a.length) * dot(b, 0, b, 0, b.length));
const row = (m: CorpusModel, word: string) => {
  const i = m.index.get(word)!;
  return m.vectors.subarray(i * m.dim, (i + 1) * m.dim);
};

function randomModel(words: string[], dim: number, seed: number, version: string): CorpusModel {
  const r = rng(seed);
  const v = Float32Array.from({ length: words.length * dim }, () => gaussian(r));
  return new CorpusModel(
    words,
    Float32Array.from(words, () => 1 + r()),
    dim,
    v,
    version,
  );
}

test('the shipped base model loads: 256 dimensions, tens of thousands of words, trained on none of the instance papers', async () => {
  const base = await CorpusModel.load(BASE_MODEL_FILE);
  assert.equal(base.dim, 256);
  assert.ok(base.vocab.length > 50_000, `${base.vocab.length} words`);
  assert.ok(base.isBase, base.version);
  assert.equal(base.papers, 0, 'an instance retrains once it has papers enough of its own');
  assert.ok(fs.statSync(BASE_MODEL_FILE).size < 30e6, 'small enough for the repository');
  // It knows the field's relations: distillation's neighbours include teacher and student.
  const near = base.neighbours('distillation', 20);
  assert.ok(near.includes('teacher') || near.includes('student'), near.join(' '));
});

test('an int8 model file round-trips within a step of each row, and a damaged one is refused with a clear error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pbem-'));
  try {
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const m = randomModel(words, 16, 3, 'base-40d-40v-16x4');
    const file = path.join(dir, 'm.pbem');
    await m.save(file, 'half');
    const halfSize = fs.statSync(file).size;
    await m.save(file, 'int8');
    assert.equal(halfSize - fs.statSync(file).size, 40 * 16 - 40 * 4, 'a byte a number and 4 a word, not 2 a number');
    const back = await CorpusModel.load(file);
    assert.equal(back.version, m.version);
    assert.deepEqual(back.vocab, m.vocab);
    for (const w of words) assert.ok(cosine(row(back, w), row(m, w)) > 0.999, w);
    // The half-precision format still loads.
    await m.save(file, 'half');
    assert.ok(cosine(row(await CorpusModel.load(file), 'w7'), row(m, 'w7')) > 0.9999);

    await m.save(file, 'int8');
    const whole = fs.readFileSync(file);
    fs.writeFileSync(file, whole.subarray(0, whole.length - 100));
    await assert.rejects(CorpusModel.load(file), /m\.pbem is truncated/);
    fs.writeFileSync(file, Buffer.concat([whole, Buffer.alloc(3)]));
    await assert.rejects(CorpusModel.load(file), /damaged/);
    const bad = Buffer.from(whole);
    bad.write('[[[', 8);
    fs.writeFileSync(file, bad);
    await assert.rejects(CorpusModel.load(file), /damaged \(its header does not read\)/);
    fs.writeFileSync(file, 'hello');
    await assert.rejects(CorpusModel.load(file), /is not a Paperboy embedding model/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("merging with the base turns the base onto the instance model's orientation: shared words stay close to both, base-only words join", () => {
  const dim = 8;
  const shared = Array.from({ length: 60 }, (_, i) => `s${i}`);
  const base = randomModel([...shared, 'onlybase1', 'onlybase2'], dim, 5, 'base-100d-62v-8x4');
  // The instance's model: the base's geometry, rotated (a random orthogonal matrix), twice as long,
  // with a little noise of its own, plus a word of its own.
  const r = rng(9);
  const q = Array.from({ length: dim }, () => Float64Array.from({ length: dim }, () => gaussian(r)));
  for (let a = 0; a < dim; a++) {
    for (let b = 0; b < a; b++) {
      const p = q[a].reduce((s, x, k) => s + x * q[b][k], 0);
      for (let k = 0; k < dim; k++) q[a][k] -= p * q[b][k];
    }
    const n = Math.hypot(...q[a]);
    for (let k = 0; k < dim; k++) q[a][k] /= n;
  }
  const words = [...shared, 'onlyown'];
  const v = new Float32Array(words.length * dim);
  shared.forEach((w, i) => {
    const b = row(base, w);
    for (let k = 0; k < dim; k++) {
      let s = 0;
      for (let a = 0; a < dim; a++) s += b[a] * q[a][k];
      v[i * dim + k] = 2 * s + 0.05 * gaussian(r);
    }
  });
  for (let k = 0; k < dim; k++) v[shared.length * dim + k] = gaussian(r);
  const own = new CorpusModel(
    words,
    Float32Array.from(words, () => 3),
    dim,
    v,
    '2026-01-01-500d-61v-8',
  );
  const merged = mergeWithBase(own, base, { baseWeight: 0.5 });
  assert.equal(merged.version, '2026-01-01-500d-61v-8+base');
  assert.equal(merged.papers, 500, 'it still says how many of the instance papers it saw');
  assert.deepEqual(merged.vocab, [...words, 'onlybase1', 'onlybase2']);
  assert.equal(merged.idf[merged.index.get('s3')!], 3, "the instance's idf");
  assert.ok(Math.abs(merged.idf[merged.index.get('onlybase1')!] - base.idf[base.index.get('onlybase1')!]) < 1e-6);
  for (const w of shared) assert.ok(cosine(row(merged, w), row(own, w)) > 0.99, `${w} moved from the instance's vector`);
  // Pairs of words keep the base's cosines (unaligned averaging would scramble them).
  for (const [a, b] of [
    ['s1', 's2'],
    ['s5', 's40'],
    ['s7', 'onlybase1'],
  ]) {
    assert.ok(Math.abs(cosine(row(merged, a), row(merged, b)) - cosine(row(base, a), row(base, b))) < 0.05, `${a} ${b}`);
  }
  assert.ok(cosine(row(merged, 'onlyown'), row(own, 'onlyown')) > 0.9999, 'a word of its own only is kept');
  assert.ok(mergeWithBase(own, base, { baseWords: false }).vocab.length === words.length);
  assert.throws(() => mergeWithBase(own, randomModel(shared, 4, 1, 'base-x')), /4 dimensions/);
});
