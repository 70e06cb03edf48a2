import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IvfVectorIndex } from './ivf-index.js';
import { ExactVectorIndex } from './vector-index.js';
import { gaussian, normalize, rng } from './vector-math.js';

// Clustered random unit vectors, like embeddings of papers on a few hundred topics.
function data(n: number, dim: number, topics: number, seed: number): Float32Array {
  const r = rng(seed);
  const centres = Float32Array.from({ length: topics * dim }, () => gaussian(r));
  const v = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const t = Math.floor(r() * topics);
    for (let d = 0; d < dim; d++) v[i * dim + d] = centres[t * dim + d] + 0.8 * gaussian(r);
    normalize(v, i * dim, dim);
  }
  return v;
}

test('IVF recall@10 against the exact scan is high on clustered vectors', () => {
  const dim = 32;
  const v = data(20_000, dim, 200, 5);
  const exact = new ExactVectorIndex(dim, v);
  const ivf = IvfVectorIndex.build(dim, v, { lists: 140, iterations: 5 });
  ivf.nprobe = 20;
  const queries = data(50, dim, 200, 9);
  let found = 0;
  for (let q = 0; q < 50; q++) {
    const qv = queries.subarray(q * dim, (q + 1) * dim);
    const truth = new Set(exact.search(qv, 10).map((h) => h.index));
    found += ivf.search(qv, 10).filter((h) => truth.has(h.index)).length;
  }
  assert.ok(found / 500 >= 0.9, `recall ${found / 500}`);
});

test('a saved IVF index loads back only with the same key', async () => {
  const dim = 8;
  const v = data(500, dim, 10, 1);
  const ivf = IvfVectorIndex.build(dim, v, { lists: 10 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-ivf-'));
  try {
    const file = path.join(dir, 'ivf.bin');
    await ivf.save(file, 'm@1:500');
    assert.equal(await IvfVectorIndex.load(file, 'm@1:501'), null);
    const back = await IvfVectorIndex.load(file, 'm@1:500');
    assert.ok(back);
    const q = v.subarray(0, dim);
    assert.deepEqual(back.search(q, 5), ivf.search(q, 5));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
