import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type VectorSide, feedbackQuery, fuse, hybridRank, minMax, softRerank } from './fusion.js';

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
  assert.deepEqual(
    out.map((h) => h.id),
    ['a', 'c', 'b', 'd'],
  );
});

test('fuse with a score bound: a weak lexical match leaves the order to the vector side, a full one does not', () => {
  const lexical = [
    { id: 'a', score: 4 },
    { id: 'b', score: 2 },
  ];
  const vector = [
    { id: 'c', score: 0.9 },
    { id: 'b', score: 0.5 },
  ];
  const cos: Record<string, number> = { a: 0.6 };
  const w = { lexical: 0.5, boundLexical: 0.5 };
  const order = (bound?: number) => fuse(lexical, vector, (id) => cos[id], w, bound).map((h) => h.id);
  // min-max: a = 0.5 * 1 + 0.5 * 0.25, c = 0.5, b = 0
  assert.deepEqual(order(), ['a', 'c', 'b']);
  assert.deepEqual(order(0), ['a', 'c', 'b'], 'no bound: min-max');
  // bound 40: a = 0.5 * 0.1 + 0.125 = 0.175 below c's 0.5
  assert.deepEqual(order(40), ['c', 'a', 'b']);
  // bound 4: a scores all bm25 could give it, as under min-max
  assert.deepEqual(order(4), ['a', 'c', 'b']);
  // a score above the bound (the exact-word part) counts as the bound
  const capped = fuse(lexical, vector, (id) => cos[id], w, 2);
  assert.ok(Math.abs(capped.find((h) => h.id === 'a')!.score - 0.625) < 1e-9);
  // boundLexical unset: the bound is ignored
  assert.deepEqual(
    fuse(lexical, vector, (id) => cos[id], { lexical: 0.5 }, 40).map((h) => h.id),
    ['a', 'c', 'b'],
  );
});

test('fuse with adaptiveShare: a best lexical hit that covers little of the bound gives the lexical side less weight', () => {
  const lexical = [
    { id: 'a', score: 4 },
    { id: 'b', score: 2 },
  ];
  const vector = [
    { id: 'c', score: 0.9 },
    { id: 'b', score: 0.5 },
  ];
  const cos: Record<string, number> = { a: 0.6 };
  const fixed = { lexical: 0.5, boundLexical: 0.7 };
  const adaptive = { ...fixed, adaptiveShare: 0.8 };
  const order = (w: typeof fixed, bound?: number) => fuse(lexical, vector, (id) => cos[id], w, bound).map((h) => h.id);
  // bound 10, share 0.4: fixed a = 0.7 * 0.4 + 0.3 * 0.25 = 0.355 over c's 0.3
  assert.deepEqual(order(fixed, 10), ['a', 'c', 'b']);
  // adaptive: the weight is 0.7 * 0.4 / 0.8 = 0.35, a = 0.35 * 0.4 + 0.65 * 0.25 = 0.3025 under c's 0.65
  assert.deepEqual(order(adaptive, 10), ['c', 'a', 'b']);
  // a share at or above adaptiveShare keeps the full weight
  assert.deepEqual(
    fuse(lexical, vector, (id) => cos[id], adaptive, 4).map((h) => [h.id, h.score]),
    fuse(lexical, vector, (id) => cos[id], fixed, 4).map((h) => [h.id, h.score]),
  );
  // without a bound (min-max) it changes nothing
  assert.deepEqual(order(adaptive), order(fixed));
});

test('fuse with lexical weight 1 keeps the lexical order; with no vectors too', () => {
  const lexical = [
    { id: 'x', score: 3 },
    { id: 'y', score: 1 },
  ];
  assert.deepEqual(
    fuse(lexical, [{ id: 'y', score: 1 }], () => 0, { lexical: 1 }).map((h) => h.id),
    ['x', 'y'],
  );
  assert.deepEqual(
    fuse(lexical, [], () => undefined, { lexical: 0.5 }).map((h) => h.id),
    ['x', 'y'],
  );
});

test('feedbackQuery moves the query towards the hits and keeps unit length', () => {
  const q = Float32Array.from([1, 0, 0]);
  const moved = feedbackQuery(q, [Float32Array.from([0, 1, 0]), Float32Array.from([0, 0.6, 0.8])], 1);
  const norm = Math.hypot(...moved);
  assert.ok(Math.abs(norm - 1) < 1e-6);
  assert.ok(moved[1] > 0.5 && moved[0] < 1 && moved[2] > 0, String(moved));
  assert.deepEqual(Array.from(feedbackQuery(q, [], 1)), [1, 0, 0]);
  assert.deepEqual(Array.from(feedbackQuery(q, [Float32Array.from([0, 1, 0])], 0)), [1, 0, 0]);
});

// Four papers on a circle: a at angle 0, b at 60 degrees, c at 90, d at 180.
const VECS: Record<string, Float32Array> = {
  a: Float32Array.from([1, 0]),
  b: Float32Array.from([0.5, Math.sqrt(3) / 2]),
  c: Float32Array.from([0, 1]),
  d: Float32Array.from([-1, 0]),
};
const side: VectorSide = {
  search: (q, k) =>
    Object.entries(VECS)
      .map(([id, v]) => ({ id, score: q[0] * v[0] + q[1] * v[1] }))
      .sort((x, y) => y.score - x.score)
      .slice(0, k),
  score: (q, id) => (VECS[id] ? q[0] * VECS[id][0] + q[1] * VECS[id][1] : undefined),
  vectorOf: (id) => VECS[id] ?? null,
};

test('hybridRank without feedback is fuse over the vector search; lexical weight 1 keeps the lexical order', () => {
  const lexical = [
    { id: 'd', score: 5 },
    { id: 'b', score: 4 },
    { id: 'a', score: 1 },
  ];
  const q = Float32Array.from([1, 0]);
  const w = { lexical: 0.5, feedbackDocs: 0 };
  assert.deepEqual(
    hybridRank(lexical, q, side, w),
    fuse(lexical, side.search(q, 100), (id) => side.score(q, id), w),
  );
  assert.deepEqual(
    hybridRank(lexical, q, side, { lexical: 1 })
      .slice(0, 3)
      .map((h) => h.id),
    ['d', 'b', 'a'],
  );
});

test('hybridRank with feedback follows the top lexical hits: c overtakes a when the best lexical hit is c', () => {
  const lexical = [
    { id: 'c', score: 3 },
    { id: 'a', score: 2.9 },
    { id: 'b', score: 0.1 },
  ];
  const q = Float32Array.from([1, 0]); // the query vector alone prefers a
  const plain = hybridRank(lexical, q, side, { lexical: 0.3, feedbackDocs: 0 }).map((h) => h.id);
  const fed = hybridRank(lexical, q, side, { lexical: 0.3, feedbackDocs: 1, feedbackWeight: 2 }).map((h) => h.id);
  assert.equal(plain[0], 'a');
  assert.equal(fed[0], 'c');
  // Only the candidate depth is fused.
  assert.equal(hybridRank(lexical, q, side, { lexical: 0.5, candidates: 1 }).length, 2);
});

test('softRerank adds the sentence match with its own weight, only where the matcher has it', async () => {
  const fused = [
    { id: 'a', score: 1.0 },
    { id: 'b', score: 0.8 },
    { id: 'c', score: 0.6 },
  ];
  const texts = (ids: string[]) => new Map(ids.map((id) => [id, { title: id.toUpperCase(), abstract: '' }]));
  const soft = (_q: string, docs: readonly { title: string }[]) => docs.map((d) => (d.title === 'B' ? 1 : 0));
  const sentence = (_q: string, docs: readonly { title: string }[]) => docs.map((d) => (d.title === 'C' ? 0.9 : d.title === 'B' ? 0.5 : 0.1));
  const w = { lexical: 0.5, softMatch: 0.2, sentenceMatch: 0.5, softDepth: 3 };
  // fused a 1, b 0.5, c 0; soft a 0, b 1, c 0; sentence a 0, b 0.5, c 1:
  // a 0.3, b 0.15 + 0.2 + 0.25 = 0.6, c 0.5.
  const both = await softRerank(fused, 'q', { softMatch: soft, sentenceMatch: sentence }, texts, w);
  assert.deepEqual(
    both.map((h) => h.id),
    ['b', 'c', 'a'],
  );
  // Without the sentence match its weight goes back to the fused score: a 0.8, b 0.6, c 0.
  const softOnly = await softRerank(fused, 'q', { softMatch: soft }, texts, w);
  assert.deepEqual(
    softOnly.map((h) => h.id),
    ['a', 'b', 'c'],
  );
  // The sentence match alone (soft match off) re-orders too: a 0.4, b 0.5, c 0.6.
  const alone = await softRerank(fused, 'q', { softMatch: soft, sentenceMatch: sentence }, texts, { ...w, softMatch: 0, sentenceMatch: 0.6 });
  assert.deepEqual(
    alone.map((h) => h.id),
    ['c', 'b', 'a'],
  );
  // Weights over 1 in all are scaled to 1, not left to weigh the fused score negative: with soft a 1
  // and sentence c 1, soft 0.9 and sentence 0.9 tie a and c (0.5 each; the fused order keeps a first),
  // where a fused weight of -0.8 would have put c first (a 0.1, c 0.9).
  const softA = (_q: string, docs: readonly { title: string }[]) => docs.map((d) => (d.title === 'A' ? 1 : 0));
  const sentenceC = (_q: string, docs: readonly { title: string }[]) => docs.map((d) => (d.title === 'C' ? 1 : 0));
  const over = await softRerank(fused, 'q', { softMatch: softA, sentenceMatch: sentenceC }, texts, { ...w, softMatch: 0.9, sentenceMatch: 0.9 });
  assert.deepEqual(
    over.map((h) => h.id),
    ['a', 'c', 'b'],
  );
});

test('softRerank re-orders only the top softDepth by fused and soft scores, within their range', async () => {
  const fused = [
    { id: 'a', score: 1.0 },
    { id: 'b', score: 0.8 },
    { id: 'c', score: 0.6 },
    { id: 'd', score: 0.2 },
  ];
  const asked: string[][] = [];
  const matcher = {
    softMatch(_query: string, docs: readonly { title: string; abstract: string }[]) {
      asked.push(docs.map((d) => d.title));
      return docs.map((d) => (d.title === 'C' || d.title === 'D' ? 1 : 0));
    },
  };
  const texts = (ids: string[]) => new Map(ids.map((id) => [id, { title: id.toUpperCase(), abstract: '' }]));
  const out = await softRerank(fused, 'q', matcher, texts, { lexical: 0.5, softMatch: 0.6, softDepth: 3 });
  // fused normalised over the top 3: a 1, b 0.5, c 0; soft: a 0, b 0, c 1.
  // mixed: a 0.4, b 0.2, c 0.6, mapped back onto [0.6, 1.0]; d (below the depth) is not read or moved.
  assert.deepEqual(
    out.map((h) => h.id),
    ['c', 'a', 'b', 'd'],
  );
  assert.deepEqual(
    out.map((h) => Math.round(h.score * 1000) / 1000),
    [0.84, 0.76, 0.68, 0.2],
  );
  assert.deepEqual(asked, [['A', 'B', 'C']]);
  // Weight 0 (off) keeps the order and reads nothing.
  assert.deepEqual(await softRerank(fused, 'q', matcher, texts, { lexical: 0.5, softMatch: 0, softDepth: 3 }), fused);
  assert.equal(asked.length, 1);
  // A paper whose text cannot be read counts as no match; ties keep the fused order.
  const noC = (ids: string[]) => new Map(ids.filter((id) => id !== 'c').map((id) => [id, { title: id.toUpperCase(), abstract: '' }]));
  assert.deepEqual(
    (await softRerank(fused, 'q', matcher, noC, { lexical: 0.5, softMatch: 0.6, softDepth: 3 })).map((h) => h.id),
    ['a', 'b', 'c', 'd'],
  );
});
