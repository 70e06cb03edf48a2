import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../testing/databases.js';
import { createPaperStore } from '../papers/store.js';
import { buildPaper } from '../papers/paper.js';
import type { Embedder } from './embedder.js';
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

  before(async () => {
    db = await freshDatabase('sqlite');
    const papers = createPaperStore(db);
    await papers.upsertMany(Array.from({ length: N }, (_, i) => buildPaper({ id: id(i), title: `Paper ${i}` })));
    const rand = rng(7);
    for (let i = 0; i < N; i++) {
      const v = Float32Array.from({ length: DIM }, () => rand() - 0.5);
      normalize(v, 0, DIM);
      vectors.push(v);
    }
    await putVectors(db, embedder, vectors.map((vector, i) => ({ id: id(i), vector })));
  });
  after(async () => db.destroy());

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
});
