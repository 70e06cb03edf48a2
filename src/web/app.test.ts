import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../testing/test-app.js';
import { createPaperStore } from '../papers/store.js';
import { buildPaper } from '../papers/paper.js';
import { freshDatabase, type TestDatabase } from '../testing/databases.js';
import { launchChromium, screenshotPath } from '../testing/browser.js';

const EVIL = {
  id: '2401.66666',
  title: 'Breaking <script>alert(1)</script> & <img src=x onerror=alert(2)> $\\mathcal{O}(n^2)$',
  abstract: 'We show <b>bold</b> claims & "quotes" with $a<b$ and <a href="javascript:alert(3)">click</a>.',
  authors: ['Eve <Evil>', "O'Brien"],
};

describe('web skeleton', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  before(async () => {
    db = await freshDatabase('sqlite');
    const papers = createPaperStore(db);
    await papers.upsertMany([
      buildPaper({ ...EVIL, comments: '12 pages <i>x</i>', doi: '10.1000/xyz' }),
      buildPaper({
        id: 'hep-th/9901001',
        title: 'An old-style paper',
        categories: ['hep-th'],
        publishedAt: '1999-01-01T00:00:00.000Z',
        updatedAt: '1999-01-01T00:00:00.000Z',
      }),
    ]);
    ({ app } = await buildTestApp({ database: db, papers }));
  });
  after(async () => {
    await app.close();
    await db.destroy();
  });

  test('healthz reports status, database and paper count', async () => {
    const res = await app.inject('/healthz');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      status: 'ok',
      database: 'sqlite',
      papers: 2,
      lastHarvest: { at: null, pending: 0, running: 0, failed: 0, lastError: null },
      search: { model: null, training: { running: false, since: null, lastFinishedAt: null, lastVersion: null, lastError: null } },
      // This app runs no jobs (src/jobs/runner.test.ts shows them).
      jobs: {},
    });
    // A retrain in progress shows, with when it started.
    await db.db
      .updateTable('embedder_training')
      .set({ claimed_by: 'host:1#retrain', lease_until: new Date(Date.now() + 60_000).toISOString(), started_at: '2026-11-28T10:00:00.000Z' })
      .execute();
    const training = (await app.inject('/healthz')).json().search.training;
    await db.db.updateTable('embedder_training').set({ claimed_by: null, lease_until: null, started_at: null }).execute();
    assert.deepEqual(training, { running: true, since: '2026-11-28T10:00:00.000Z', lastFinishedAt: null, lastVersion: null, lastError: null });
  });

  test('paper page escapes title, abstract, authors and comments', async () => {
    const res = await app.inject('/papers/2401.66666');
    assert.equal(res.statusCode, 200);
    const body = res.body;
    assert.ok(!body.includes('<script>alert'), 'raw script tag rendered');
    assert.ok(!body.includes('<img src=x'), 'raw img tag rendered');
    assert.ok(!body.includes('href="javascript:'), 'javascript: link rendered');
    assert.ok(body.includes('Breaking &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(2)&gt; $\\mathcal{O}(n^2)$'));
    // each name a link to its author page, escaped in the text and in the address
    assert.ok(
      body.includes('<a class="author" href="/authors/Eve%20%3CEvil%3E">Eve &lt;Evil&gt;</a>, <a class="author" href="/authors/O&#39;Brien">O&#39;Brien</a>'),
    );
    assert.ok(body.includes('href="https://arxiv.org/abs/2401.66666"'));
    assert.ok(body.includes('href="https://arxiv.org/pdf/2401.66666"'));
    assert.match(res.headers['content-security-policy'] as string, /script-src 'self'/);
  });

  test('ids in other forms redirect to the canonical page; old-style ids work', async () => {
    const r = await app.inject('/papers/2401.66666v3');
    assert.equal(r.statusCode, 301);
    assert.equal(r.headers.location, '/papers/2401.66666');
    const old = await app.inject('/papers/hep-th/9901001');
    assert.equal(old.statusCode, 200);
    assert.ok(old.body.includes('An old-style paper'));
  });

  test('unknown and malformed ids give a 404 page, not a 500', async () => {
    for (const url of ['/papers/2401.99999', '/papers/not-an-id', '/papers/%3Cscript%3E', '/papers/' + 'x'.repeat(90), '/nowhere']) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 404, url);
      assert.match(res.headers['content-type'] as string, /text\/html/);
      assert.ok(!res.body.includes('<script>'), url);
    }
    // Fastify's router answers over-long paths with 414 before any handler runs.
    assert.equal((await app.inject('/papers/' + 'x'.repeat(5000))).statusCode, 414);
    const api = await app.inject('/api/nothing');
    assert.equal(api.statusCode, 404);
    assert.equal(api.json().error, 'Not Found');
  });

  test('home is the daily feed: with no submissions it says so (feed tests live in web/feed.test.ts)', async () => {
    const res = await app.inject('/');
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('No papers have been submitted yet'));
    assert.equal((await app.inject('/?p=garbage')).statusCode, 400);
  });

  test('in Chromium: the pages render, scripts in data stay inert; screenshots saved', async () => {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.goto(`${address}/papers/2401.66666`);
      assert.equal(await page.locator('h1').innerText(), EVIL.title);
      await page.screenshot({ path: screenshotPath('skeleton-paper'), fullPage: true });
      await page.goto(`${address}/`);
      assert.equal(await page.locator('.notice').count(), 1);
      await page.screenshot({ path: screenshotPath('skeleton-home'), fullPage: true });
      // The search page marks the query's words in an abstract full of markup, and runs none of it.
      await page.goto(`${address}/search?q=${encodeURIComponent('bold claims')}`);
      assert.equal(await page.locator('.paper-card').count(), 1);
      assert.deepEqual(await page.locator('mark').allInnerTexts(), ['bold', 'claims']);
      assert.equal(await page.locator('input[name="q"]').first().inputValue(), 'bold claims');
      await page.screenshot({ path: screenshotPath('search'), fullPage: true });
      assert.deepEqual(dialogs, []);
    } finally {
      await browser.close();
    }
  });
});
