import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../../testing/databases.js';
import { createPaperStore } from '../../papers/store.js';
import { buildPaper } from '../../papers/paper.js';
import type { Embedder } from '../embedders/embedder.js';
import { VectorCache, putVectors } from './vector-store.js';
import { normalize, rng } from './vector-math.js';

// The vector cache above its exact-scan limit: the IVF index is built on a worker thread while
// searches go on with an exact scan, then searches use the index.

const DIM = 16;
const N = 3000;

// Vectors are written directly; the cache only reads the embedder's name, version and dimension.
const embedder: Embedder = {
  name: 'test-vectors',
  version: '1',
  dim: DIM,
  embedQuery: async () => new Float32Array(DIM),
  embedPapers: async (papers) => papers.map(() => new Float32Array(DIM)),
};

describe('VectorCache with an IVF index', () => {
  let db: TestDatabase;
  const vectors: Float32Array[] = [];
  const id = (i: number) => `2401.${String(10000 + i)}`;

  // A fresh database with the same N papers and vectors for each test: tests add papers and
  // rewrite vectors, and count what the cache reads.
  beforeEach(async () => {
    db = await freshDatabase('sqlite');
    vectors.length = 0;
    const papers = createPaperStore(db);
    await papers.upsertMany(Array.from({ length: N }, (_, i) => buildPaper({ id: id(i), title: `Paper ${i}` })));
    const rand = rng(7);
    for (let i = 0; i < N; i++) {
      const v = Float32Array.from({ length: DIM }, () => rand() - 0.5);
      normalize(v, 0, DIM);
      vectors.push(v);
    }
    await putVectors(
      db,
      embedder,
      vectors.map((vector, i) => ({ id: id(i), vector })),
    );
  });
  afterEach(async () => db.destroy());

  test('searches answer while the index builds in the background, then use it', async () => {
    const cache = new VectorCache(db, embedder, 0, null, 1000);
    await cache.refresh(true);
    assert.equal(cache.approximate, false, 'the first refresh does not wait for k-means');
    assert.equal(cache.search(vectors[42], 1)[0].id, id(42), 'an exact scan meanwhile');
    await cache.settled();
    assert.equal(cache.approximate, true);
    let found = 0;
    for (let i = 0; i < 50; i++) if (cache.search(vectors[i * 37], 1)[0]?.id === id(i * 37)) found++;
    assert.ok(found >= 45, `a stored vector finds itself first in ${found} of 50 probes`);
    assert.ok(Math.abs(cache.score(vectors[5], id(5))! - 1) < 1e-5);
  });

  test('read in pages; the index follows its vectors into a larger array; a saved index is reused', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-vectors-'));
    try {
      const file = path.join(dir, 'vectors.ivf');
      const cache = new VectorCache(db, embedder, 0, file, 1000, 700);
      await cache.refresh(true);
      assert.equal(cache.size, N, 'every page read');
      await cache.settled();
      assert.equal(cache.approximate, true);
      // More papers than the array has room for: it moves, and the index must read the new one.
      const more = Array.from({ length: 2000 }, (_, i) => N + i);
      await createPaperStore(db).upsertMany(more.map((i) => buildPaper({ id: id(i), title: `Paper ${i}` })));
      const rand = rng(11);
      const extra = more.map(() => {
        const v = Float32Array.from({ length: DIM }, () => rand() - 0.5);
        normalize(v, 0, DIM);
        return v;
      });
      await new Promise((r) => setTimeout(r, 5)); // a later embedded_at than the first batch
      await putVectors(
        db,
        embedder,
        extra.map((vector, j) => ({ id: id(more[j]), vector })),
      );
      await cache.refresh(true);
      assert.equal(cache.size, N + 2000);
      // One copy of the vectors: the index reads the cache's array, not the one it was built on.
      const inside = cache as unknown as { data: Float32Array; ivf: { vectors: Float32Array } };
      assert.equal(inside.ivf.vectors.buffer, inside.data.buffer);
      assert.equal(cache.search(extra[1500], 1)[0].id, id(more[1500]), 'a new row, by the exact tail scan or a new index');
      for (const i of [3, 1234, 2999]) assert.ok(Math.abs(cache.score(vectors[i], id(i))! - 1) < 1e-5, `row ${i} after the move`);
      let found = 0;
      for (let i = 0; i < 50; i++) if (cache.search(vectors[i * 37], 1)[0]?.id === id(i * 37)) found++;
      assert.ok(found >= 45, `after the move a stored vector finds itself first in ${found} of 50 probes`);
      await cache.settled();
      assert.ok(fs.existsSync(file));
      const restarted = new VectorCache(db, embedder, 0, file, 1000, 700);
      await restarted.refresh(true);
      assert.equal(restarted.approximate, true, 'the saved index is loaded, not rebuilt');
      assert.equal(restarted.search(extra[7], 1)[0].id, id(more[7]));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the first read lets other work run between its pages and is not loaded before its end', async () => {
    const cache = new VectorCache(db, embedder, 0, null, 1_000_000, 500);
    let seen: boolean | null = null;
    const reading = cache.refresh(true);
    setImmediate(() => (seen = cache.loaded));
    await reading;
    assert.equal(seen, false, 'a callback ran while the pages were read, and saw the cache not loaded');
    assert.equal(cache.loaded, true);
    assert.ok(cache.size >= N);
    assert.equal(cache.search(vectors[17], 1)[0].id, id(17));
    // Later reads take the keys of the window first, then the vectors of the papers written again.
    const size = cache.size;
    const v = Float32Array.from({ length: DIM }, (_, d) => (d === 5 ? 1 : 0));
    await new Promise((r) => setTimeout(r, 5)); // a later embedded_at than the first write
    await putVectors(db, embedder, [{ id: id(17), vector: v }]);
    await cache.refresh(true);
    assert.equal(cache.size, size, 'a paper written again keeps its row');
    assert.deepEqual([...cache.vectorOf(id(17))!], [...v]);
    await putVectors(db, embedder, [{ id: id(17), vector: vectors[17] }]);
  });

  test('a vector stamped before the newest seen but committed after it is still picked up', async () => {
    const cache = new VectorCache(db, embedder, 0, null, 1_000_000);
    await cache.refresh(true);
    const before = cache.size;
    const newest = await db.db
      .selectFrom('paper_vectors')
      .select((eb) => eb.fn.max('embedded_at').as('t'))
      .executeTakeFirstOrThrow();
    const late = new Date(Date.parse(String(newest.t)) - 2000).toISOString();
    await createPaperStore(db).upsertMany([buildPaper({ id: id(9000), title: 'Late' })]);
    const v = Float32Array.from({ length: DIM }, (_, d) => (d === 3 ? 1 : 0));
    await putVectors(db, embedder, [{ id: id(9000), vector: v }]);
    await db.db.updateTable('paper_vectors').set({ embedded_at: late }).where('paper_id', '=', id(9000)).execute();
    await cache.refresh(true);
    assert.equal(cache.size, before + 1);
    assert.equal(cache.search(v, 1)[0].id, id(9000));
  });
});
