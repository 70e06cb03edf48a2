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

test('a saved IVF index loads back only with the same key and ids', async () => {
  const dim = 8;
  const v = data(500, dim, 10, 1);
  const ivf = IvfVectorIndex.build(dim, v, { lists: 10 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-ivf-'));
  const idOf = (row: number) => `p${row}`;
  const rowOf = (id: string) => (/^p\d+$/.test(id) ? Number(id.slice(1)) : undefined);
  try {
    const file = path.join(dir, 'ivf.bin');
    await ivf.save(file, 'm@1:500', idOf);
    assert.equal(await IvfVectorIndex.load(file, 'm@1:501', v, rowOf), null);
    assert.equal(await IvfVectorIndex.load(file, 'm@1:500', v.subarray(0, 499 * dim), rowOf), null, 'fewer vectors than it indexes');
    assert.equal(await IvfVectorIndex.load(file, 'm@1:500', v, (id) => (id === 'p7' ? undefined : rowOf(id))), null, 'a paper without a row');
    const back = await IvfVectorIndex.load(file, 'm@1:500', v, rowOf);
    assert.ok(back);
    const q = v.subarray(0, dim);
    assert.deepEqual(back.search(q, 5), ivf.search(q, 5));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('compact moves the vectors into list order in place; results are the same papers', () => {
  const dim = 8;
  const v = data(2000, dim, 20, 3);
  const original = v.slice();
  const ivf = IvfVectorIndex.build(dim, v, { lists: 30 });
  const queries = data(20, dim, 20, 4);
  const before = Array.from({ length: 20 }, (_, q) => ivf.search(queries.subarray(q * dim, (q + 1) * dim), 10));
  const moved = ivf.compact();
  assert.deepEqual(
    [...moved].sort((a, b) => a - b),
    Array.from({ length: 2000 }, (_, i) => i),
    'a permutation',
  );
  for (let row = 0; row < 2000; row++) {
    assert.deepEqual(v.subarray(row * dim, (row + 1) * dim), original.subarray(moved[row] * dim, (moved[row] + 1) * dim));
  }
  for (let q = 0; q < 20; q++) {
    const after = ivf.search(queries.subarray(q * dim, (q + 1) * dim), 10);
    assert.deepEqual(
      after.map((h) => moved[h.index]),
      before[q].map((h) => h.index),
    );
    assert.deepEqual(
      after.map((h) => h.score),
      before[q].map((h) => h.score),
    );
  }
});
