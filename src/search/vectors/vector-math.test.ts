import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopK, addRotated, dot, fromHalf, gaussian, halvesToFloats, normalize, procrustesRotation, rng, symmetricEigen, toHalf } from './vector-math.js';
import { ExactVectorIndex } from './vector-index.js';

test('TopK returns the k largest, best first, like a full sort', () => {
  const r = rng(7);
  const scores = Array.from({ length: 1000 }, () => r());
  const top = new TopK(10);
  scores.forEach((s, i) => top.push(i, s));
  const expected = scores
    .map((s, i) => ({ i, s }))
    .sort((a, b) => b.s - a.s)
    .slice(0, 10)
    .map((x) => x.i);
  assert.deepEqual(
    top.sorted().map((x) => x.index),
    expected,
  );
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

/** A random dim x dim orthogonal matrix: the eigenvectors of a random symmetric one. */
function randomRotation(dim: number, r: () => number): Float64Array {
  const a = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) for (let j = i; j < dim; j++) a[i * dim + j] = a[j * dim + i] = gaussian(r);
  return symmetricEigen(a, dim).vectors;
}

test('symmetricEigen: A v = lambda v for every pair, and the eigenvectors are orthonormal', () => {
  const r = rng(3);
  const n = 7;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = gaussian(r);
  const { values, vectors } = symmetricEigen(Float64Array.from(a), n);
  for (let e = 0; e < n; e++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let k = 0; k < n; k++) av += a[i * n + k] * vectors[k * n + e];
      assert.ok(Math.abs(av - values[e] * vectors[i * n + e]) < 1e-9, `eigenpair ${e}, row ${i}`);
    }
    for (let f = 0; f < n; f++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[k * n + e] * vectors[k * n + f];
      assert.ok(Math.abs(s - (e === f ? 1 : 0)) < 1e-9);
    }
  }
});

test('procrustesRotation turns a rotated copy of a table back onto it, noise or not', () => {
  const r = rng(5);
  const rows = 300;
  const dim = 12;
  const target = Float32Array.from({ length: rows * dim }, () => gaussian(r));
  const q = randomRotation(dim, r);
  // source = target Q^T (+ noise): the rotation back is Q.
  const source = new Float32Array(rows * dim);
  const qt = new Float64Array(dim * dim);
  for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) qt[a * dim + b] = q[b * dim + a];
  addRotated(target, qt, rows, dim, source);
  const rot = procrustesRotation(target, source, rows, dim);
  for (let i = 0; i < q.length; i++) assert.ok(Math.abs(rot[i] - q[i]) < 1e-4, `R[${i}] ${rot[i]} vs ${q[i]}`);
  const back = new Float32Array(rows * dim);
  addRotated(source, rot, rows, dim, back);
  for (let i = 0; i < back.length; i++) assert.ok(Math.abs(back[i] - target[i]) < 1e-3);
  // With noise the rotation is still orthogonal and brings the source much closer than it was.
  const noisy = source.map((x) => x + 0.3 * gaussian(r));
  const rn = procrustesRotation(target, noisy, rows, dim);
  for (let a = 0; a < dim; a++) {
    for (let b = 0; b < dim; b++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += rn[k * dim + a] * rn[k * dim + b];
      assert.ok(Math.abs(s - (a === b ? 1 : 0)) < 1e-6, 'R^T R = I');
    }
  }
  const turned = new Float32Array(rows * dim);
  addRotated(noisy, rn, rows, dim, turned);
  const dist = (x: Float32Array) => Math.sqrt(x.reduce((s, v, i) => s + (v - target[i]) ** 2, 0) / x.length);
  assert.ok(dist(turned) < 0.35 && dist(noisy) > 1, `${dist(noisy)} -> ${dist(turned)}`);
});
