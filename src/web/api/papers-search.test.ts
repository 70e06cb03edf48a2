import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { loadConfig } from '../../config.js';
import { createPaperStore } from '../../papers/store.js';
import { buildPaper } from '../../papers/paper.js';
import { createSearchService } from '../../search/service.js';
import { freshDatabase, type TestDatabase } from '../../testing/databases.js';

describe('search endpoints', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  before(async () => {
    db = await freshDatabase('sqlite');
    const papers = createPaperStore(db);
    await papers.upsertMany([
      buildPaper({ id: '2501.00003', title: 'Sharpness and <b>generalization</b>', abstract: 'Flat minima generalize better in deep networks & <script>x</script>.' }),
      buildPaper({ id: '2501.00005', title: 'Text generation with diffusion', abstract: 'We generate text by denoising.' }),
    ]);
    app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), database: db, papers, search: createSearchService({ database: db, papers, embedder: null }) });
  });
  after(async () => {
    await app.close();
    await db.destroy();
  });

  test('GET /api/papers/search returns papers in the API shape', async () => {
    const r = await app.inject('/api/papers/search?q=generalization&limit=5');
    assert.equal(r.statusCode, 200);
    const body = r.json();
    assert.equal(body.papers[0].id, '2501.00003');
    assert.deepEqual(Object.keys(body.papers[0]).slice(0, 4), ['id', 'version', 'title', 'summary']);
  });

  test('hostile and oversized input: 200 or 400 with a message, never 500', async () => {
    for (const q of ['%22NEAR(', encodeURIComponent('-*()"'), 'x'.repeat(250)]) {
      assert.equal((await app.inject(`/api/papers/search?q=${q}`)).statusCode, 200, q.slice(0, 20));
    }
    const long = await app.inject(`/api/papers/search?q=${'x'.repeat(10_000)}`);
    assert.equal(long.statusCode, 400);
    assert.match(long.json().message, /limit is 250/);
    assert.equal((await app.inject('/api/papers/search?q=a&limit=121')).statusCode, 400);
    assert.equal((await app.inject('/api/papers/search?q=a&limit=abc')).statusCode, 400);
    assert.equal((await app.inject(`/search?q=${'x'.repeat(10_000)}`)).statusCode, 400);
  });

  test('/search page highlights matches and escapes paper text', async () => {
    const r = await app.inject('/search?q=generalization');
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /<mark>generalize<\/mark>/);
    assert.ok(!r.body.includes('<script>x</script>'));
    assert.ok(r.body.includes('&lt;b&gt;generalization&lt;/b&gt;'));
  });

  test('similar papers: 404 for an unknown paper, empty without vectors', async () => {
    assert.equal((await app.inject('/api/papers/2501.09999/similar')).statusCode, 404);
    assert.deepEqual((await app.inject('/api/papers/2501.00003/similar')).json().papers, []);
  });
});
