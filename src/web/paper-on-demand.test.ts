import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../config.js';
import { arxivPaperFetcher, createArxivHttp } from '../ingest/harvester.js';
import { startFakeArxiv, type FakeArxiv } from '../testing/fake-arxiv.js';
import { freshDatabase, type TestDatabase } from '../testing/databases.js';
import { buildTestApp } from '../testing/test-app.js';

// Any arXiv id on demand: /papers/:id and /api/papers/:id of a well-formed id not stored ask the
// loopback fake arXiv (real Atom responses) through the process's polite client, store the paper
// and show it; 20 readers at once cause one fetch; a miss is remembered; arXiv down is a 503.

describe('any arXiv id on demand', () => {
  let db: TestDatabase;
  let fake: FakeArxiv;
  let app: FastifyInstance;
  const asked = (id: string) => fake.requests.filter((r) => r.what === `api id_list=${id}`).length;

  before(async () => {
    db = await freshDatabase('sqlite');
    fake = await startFakeArxiv({ day: '2025-12-16' });
    // No pause between requests: without one fetch per id, 20 readers would make 20 requests here.
    const config = loadConfig({ LOG_LEVEL: 'silent', ARXIV_API_URL: fake.apiUrl, ARXIV_REQUEST_INTERVAL_MS: '0', ARXIV_BACKOFF_MS: '10' });
    app = (await buildTestApp({ config, database: db, fetcher: arxivPaperFetcher(config, createArxivHttp(config, db)) })).app;
  });
  after(async () => {
    await app.close();
    await fake.close();
    await db.destroy();
  });

  test('20 readers at once of a paper not stored: one fetch from arXiv, every one gets the paper, then it is stored', async () => {
    // arXiv answers slowly, so all 20 are waiting while the first fetch runs.
    fake.fault('api id_list=1601.00001', { delayMs: 400 });
    const urls = Array.from({ length: 20 }, (_, i) => (i % 2 ? '/api/papers/1601.00001' : '/papers/1601.00001'));
    const answers = await Promise.all(urls.map((url) => app.inject({ method: 'GET', url })));
    for (const [i, res] of answers.entries()) assert.equal(res.statusCode, 200, `${urls[i]}: ${res.body.slice(0, 200)}`);
    assert.equal(asked('1601.00001'), 1);
    assert.equal(answers[1].json().id, '1601.00001');
    assert.match(answers[0].body, /<h1>[^<]+<\/h1>/);
    // Stored on the normal write path: the list of papers has it, and the next reader asks nobody.
    const list = await app.inject({ method: 'GET', url: '/api/papers' });
    assert.deepEqual(
      list.json().map((p: { id: string }) => p.id),
      ['1601.00001'],
    );
    await app.inject({ method: 'GET', url: '/papers/1601.00001' });
    assert.equal(asked('1601.00001'), 1);
  });

  test('an id arXiv has no paper for is a 404, and is not asked again for a while; a malformed id asks nobody', async () => {
    const page = await app.inject({ method: 'GET', url: '/papers/2512.00003' });
    assert.equal(page.statusCode, 404);
    assert.match(page.body, /arXiv has no paper 2512\.00003/);
    const api = await app.inject({ method: 'GET', url: '/api/papers/2512.00003' });
    assert.equal(api.statusCode, 404);
    assert.equal(asked('2512.00003'), 1);
    const before = fake.requests.length;
    for (const url of ['/papers/not-an-id', '/api/papers/2512.0000x']) {
      assert.equal((await app.inject({ method: 'GET', url })).statusCode, 404, url);
    }
    assert.equal(fake.requests.length, before);
  });

  test('arXiv failing: a friendly 503 page and a JSON 503, both with Retry-After, never a 500', async () => {
    fake.fault('api id_list=2512.00009', ...Array.from({ length: 20 }, () => ({ status: 503 })));
    const page = await app.inject({ method: 'GET', url: '/papers/2512.00009' });
    assert.equal(page.statusCode, 503, page.body.slice(0, 300));
    assert.ok(Number(page.headers['retry-after']) > 0);
    assert.match(page.body, /arXiv could not be reached to fetch it\. Try again in a minute/);
    const api = await app.inject({ method: 'GET', url: '/api/papers/2512.00009' });
    assert.equal(api.statusCode, 503, api.body);
    assert.ok(Number(api.headers['retry-after']) > 0);
    assert.match(api.json().message, /arXiv could not be reached to fetch 2512\.00009/);
    // Not remembered as a miss: once arXiv answers, the paper is asked for again.
    const n = asked('2512.00009');
    await app.inject({ method: 'GET', url: '/api/papers/2512.00009' });
    assert.ok(asked('2512.00009') > n);
  });
});
