import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type RankPaper, fitReader, rankForReader } from './ranker.js';
import { VectorStats } from './vector-stats.js';

/** Corpus vectors that vary much along the first axis (x = ±1) and little along the second (y = ±0.1). */
function corpus(): Float32Array[] {
  const out: Float32Array[] = [];
  for (const x of [-1, 1]) for (const y of [-0.1, 0.1]) for (let i = 0; i < 25; i++) out.push(Float32Array.from([x, y, 1]));
  return out;
}

test("the discriminant direction weighs the liked papers' offset from the corpus against how much papers vary there", () => {
  const stats = VectorStats.of(corpus(), 3)!;
  assert.deepEqual(
    Array.from(stats.mean, (x) => Math.round(x * 1e9) / 1e9 + 0),
    [0, 0, 1],
  );
  // The liked papers stand out by 0.5 along x and by 0.1 along y: along y, where papers vary 100 times less, that is more.
  const w = stats.direction([Float32Array.from([0.5, 0.1, 1])])!;
  assert.ok(w[1] > w[0], `${Array.from(w)}`);
  // (S + ridge I) w = offset, with S = diag(1, 0.01, 0) and ridge 0.1 * the mean variance (1.01 / 3).
  const ridge = (0.1 * 1.01) / 3;
  assert.ok(Math.abs((1 + ridge) * w[0] - 0.5) < 1e-4);
  assert.ok(Math.abs((0.01 + ridge) * w[1] - 0.1) < 1e-4);
  assert.ok(Math.abs(w[2]) < 1e-4);
  assert.equal(stats.direction([Float32Array.from([1, 2])]), null, 'no liked vector of its dimension');
  assert.equal(VectorStats.of([Float32Array.from([1, 0, 0])], 3), null, 'one vector has no spread');
});

test('with vector statistics, a paper along the direction the liked papers stand out in ranks above one nearer their mean by cosine', () => {
  const stats = VectorStats.of(corpus(), 3);
  const paper = (id: string, ...v: number[]): RankPaper => ({
    id,
    title: id,
    text: { ids: new Int32Array(0), weights: new Float32Array(0) },
    vector: Float32Array.from(v),
  });
  const liked = [paper('liked', 0.5, 0.1, 1)];
  const candidates = [paper('wide', 1, 0, 1), paper('rare', 0, 0.3, 1), paper('pad1', -1, -0.1, 1), paper('pad2', -1, 0.1, 1)];
  const w = { text: 0, vector: 1, nearest: 0, owners: 0, nearText: 0, fisher: 0, dismissed: 0.5 };
  assert.equal(rankForReader(fitReader(liked, [], w, stats), candidates, w)[0].id, 'wide', 'by the mean vector, the one far along x');
  const fisher = { ...w, vector: 0, fisher: 1 };
  assert.equal(rankForReader(fitReader(liked, [], fisher, stats), candidates, fisher)[0].id, 'rare', 'by the discriminant, the one along y');
  // Without statistics the feature is silent (all zeros), and the ranking falls back on the others.
  assert.equal(fitReader(liked, [], fisher, null).direction, null);
});
