import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuse, minMax } from './fusion.js';

test('minMax maps the range onto [0, 1]', () => {
  assert.deepEqual(minMax([2, 4, 3]), [0, 1, 0.5]);
  assert.deepEqual(minMax([5, 5]), [1, 1]);
  assert.deepEqual(minMax([]), []);
});

test('fuse: weighted sum of normalised scores over the union of candidates', () => {
  const lexical = [
    { id: 'a', score: 10 },
    { id: 'b', score: 6 },
    { id: 'c', score: 2 },
  ];
  const vector = [
    { id: 'c', score: 0.9 },
    { id: 'd', score: 0.5 },
  ];
  const cos: Record<string, number> = { a: 0.7, b: 0.5 };
  const out = fuse(lexical, vector, (id) => cos[id], { lexical: 0.5 });
  const byId = Object.fromEntries(out.map((h) => [h.id, h.score]));
  // a: 0.5*1 + 0.5*(0.7-0.5)/0.4 = 0.75; b: 0.5*0.5 + 0 = 0.25; c: 0 + 0.5*1 = 0.5; d: 0 + 0 = 0
  assert.ok(Math.abs(byId.a - 0.75) < 1e-9);
  assert.ok(Math.abs(byId.b - 0.25) < 1e-9);
  assert.ok(Math.abs(byId.c - 0.5) < 1e-9);
  assert.equal(byId.d, 0);
  assert.deepEqual(out.map((h) => h.id), ['a', 'c', 'b', 'd']);
});

test('fuse with lexical weight 1 keeps the lexical order; with no vectors too', () => {
  const lexical = [
    { id: 'x', score: 3 },
    { id: 'y', score: 1 },
  ];
  assert.deepEqual(fuse(lexical, [{ id: 'y', score: 1 }], () => 0, { lexical: 1 }).map((h) => h.id), ['x', 'y']);
  assert.deepEqual(fuse(lexical, [], () => undefined, { lexical: 0.5 }).map((h) => h.id), ['x', 'y']);
});
