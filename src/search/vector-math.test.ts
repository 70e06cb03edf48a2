import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopK, dot, normalize, rng } from './vector-math.js';
import { ExactVectorIndex } from './vector-index.js';

test('TopK returns the k largest, best first, like a full sort', () => {
  const r = rng(7);
  const scores = Array.from({ length: 1000 }, () => r());
  const top = new TopK(10);
  scores.forEach((s, i) => top.push(i, s));
  const expected = scores.map((s, i) => ({ i, s })).sort((a, b) => b.s - a.s).slice(0, 10).map((x) => x.i);
  assert.deepEqual(top.sorted().map((x) => x.index), expected);
});

test('exact index finds the vector itself first', () => {
  const r = rng(3);
  const dim = 16;
  const n = 200;
  const v = Float32Array.from({ length: n * dim }, () => r() - 0.5);
  for (let i = 0; i < n; i++) normalize(v, i * dim, dim);
  const idx = new ExactVectorIndex(dim, v);
  const q = v.slice(42 * dim, 43 * dim);
  const hits = idx.search(q, 5);
  assert.equal(hits[0].index, 42);
  assert.ok(Math.abs(hits[0].score - 1) < 1e-5);
  assert.ok(Math.abs(dot(q, 0, q, 0, dim) - 1) < 1e-5);
});
