import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopK, dot, fromHalf, halvesToFloats, normalize, rng, toHalf } from './vector-math.js';
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

test('half precision: every half value round-trips, known values and ties round to nearest even', () => {
  for (let h = 0; h < 0x10000; h++) {
    const x = fromHalf(h);
    if (Number.isNaN(x)) assert.ok(Number.isNaN(fromHalf(toHalf(x))));
    else assert.equal(toHalf(x), h, `0x${h.toString(16)}`);
  }
  assert.equal(toHalf(1), 0x3c00);
  assert.equal(toHalf(-2), 0xc000);
  assert.equal(toHalf(65504), 0x7bff);
  assert.equal(toHalf(65520), 0x7c00); // rounds up past the largest half: infinity
  assert.equal(toHalf(2 ** -24), 0x0001); // smallest subnormal
  assert.equal(toHalf(2 ** -26), 0); // below half of it: zero
  assert.equal(toHalf(1 + 2 ** -11), 0x3c00); // tie: to the even mantissa
  assert.equal(toHalf(1 + 3 * 2 ** -11), 0x3c02);
  assert.equal(toHalf(0.1), 0x2e66);
  const r = rng(3);
  for (let i = 0; i < 10_000; i++) {
    const x = (r() - 0.5) * 8;
    if (Math.abs(x) < 2 ** -14) continue;
    assert.ok(Math.abs(fromHalf(toHalf(x)) - x) <= Math.abs(x) * 2 ** -11, String(x));
  }
});

test('halvesToFloats decodes little-endian halves at any byte offset as fromHalf does', () => {
  const buf = Buffer.alloc(1 + 0x10000 * 2);
  for (let h = 0; h < 0x10000; h++) buf.writeUInt16LE(h, 1 + h * 2);
  const out = halvesToFloats(buf.subarray(1), 0x10000);
  for (let h = 0; h < 0x10000; h++) {
    const want = fromHalf(h);
    if (Number.isNaN(want)) assert.ok(Number.isNaN(out[h]));
    else assert.equal(out[h], want, `0x${h.toString(16)}`);
  }
});
