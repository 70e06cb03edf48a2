import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../config.js';
import { arxivPaperFetcher, createArxivHttp } from '../ingest/harvester.js';
import { startFakeArxiv, type FakeArxiv } from '../testing/fake-arxiv.js';
import { freshDatabase, type TestDatabase } from '../testing/databases.js';
import { buildTestApp } from '../testing/test-app.js';

// /submit and POST /api/papers/submit of a paper this instance has not harvested: the fetch from
// arXiv (the loopback fake, made to hang or fail) is bounded to a few seconds and answers a clear
// 503 with Retry-After, or 404 when arXiv has no such paper; the form keeps what was typed.

describe('submitting a paper arXiv must be asked for', () => {
  let db: TestDatabase;
  let fake: FakeArxiv;
  let app: FastifyInstance;
  let bearer: Record<string, string>;
  let cookie: string;

  before(async () => {
    db = await freshDatabase('sqlite');
    fake = await startFakeArxiv({ day: '2025-12-16' });
    // The defaults of the harvest (30 s per request, six tries) and a 3 s pace, as in production.
    const config = loadConfig({ LOG_LEVEL: 'silent', ARXIV_API_URL: fake.apiUrl, SESSION_SECRET: 'test-secret' });
    // The fetcher src/main.ts wires, on the process's polite arXiv client (its pace shared through the database).
    const built = await buildTestApp({ config, database: db, fetcher: arxivPaperFetcher(config, createArxivHttp(config, db)) });
    app = built.app;
    const { community } = built.deps;
    const user = await community.accounts.createUser({ email: 'sub@example.org', username: 'sub' });
    bearer = { authorization: `Bearer ${(await community.accounts.createApiToken(user.id, 'test')).token}` };
    cookie = `pb_session=${(await community.accounts.createSession(user.id)).token}`;
  });
  after(async () => {
    await app.close();
    await fake.close();
    await db.destroy();
  });

  test('API: arXiv not answering gives a 503 with Retry-After within seconds, not a 500 after 40 s', async () => {
    // arXiv accepts the connection and never answers, however often asked.
    fake.fault('api id_list=2512.00001', ...Array.from({ length: 10 }, () => ({ hang: true })));
    const started = Date.now();
    const res = await app.inject({ method: 'POST', url: '/api/papers/submit', headers: bearer, payload: { arxivId: '2512.00001' } });
    const seconds = (Date.now() - started) / 1000;
    assert.equal(res.statusCode, 503, res.body);
    assert.ok(Number(res.headers['retry-after']) > 0, `Retry-After: ${res.headers['retry-after']}`);
    assert.equal(res.json().error, 'Service Unavailable');
    assert.match(res.json().message, /arXiv could not be reached to fetch arXiv:2512\.00001.*try again/);
    // The bound is about 6 s; 20 leaves room for a loaded machine and is half the old 40.
    assert.ok(seconds < 20, `answered after ${seconds} s`);
  });

  test('form: arXiv failing gives the form back with a 503, the message and what was typed', async () => {
    fake.fault('api id_list=2512.00002', { status: 503 }, { status: 503 }, { status: 503 });
    const page = await app.inject({ method: 'GET', url: '/submit', headers: { cookie } });
    assert.equal(page.statusCode, 200);
    const csrfCookie = (page.cookies as { name: string; value: string }[]).find((c) => c.name === 'pb_csrf')!.value;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
    const res = await app.inject({
      method: 'POST',
      url: '/submit',
      headers: { cookie: `${cookie}; pb_csrf=${csrfCookie}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, paper: '2512.00002', comment: 'A careful ablation', github_repo: 'https://github.com/a/b' }).toString(),
    });
    assert.equal(res.statusCode, 503, res.body);
    assert.ok(Number(res.headers['retry-after']) > 0);
    assert.match(res.body, /role="alert">ArXiv could not be reached to fetch arXiv:2512\.00002/);
    assert.match(res.body, /name="paper"[^>]*value="2512\.00002"/);
    assert.match(res.body, />A careful ablation<\/textarea>/);
    assert.match(res.body, /value="https:\/\/github\.com\/a\/b"/);
  });

  test('API: an id arXiv has no paper for is a 404 that says so; one it has is fetched', async () => {
    const none = await app.inject({ method: 'POST', url: '/api/papers/submit', headers: bearer, payload: { arxivId: '2512.00003' } });
    assert.equal(none.statusCode, 404, none.body);
    assert.match(none.json().message, /arXiv has no paper arXiv:2512\.00003/);
    // The fake knows 1601.00001 (from 2016): fetched and stored, then refused as too old to feature.
    const old = await app.inject({ method: 'POST', url: '/api/papers/submit', headers: bearer, payload: { arxivId: '1601.00001' } });
    assert.equal(old.statusCode, 422, old.body);
    assert.match(old.json().message, /closed .* days after its publication/);
  });
});
