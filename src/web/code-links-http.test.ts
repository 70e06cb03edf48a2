import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../config.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { buildTestApp } from '../testing/test-app.js';
import { addPapers } from '../digest/fixtures.js';
import { waitFor } from '../testing/wait.js';

// Code links over HTTP: hasCode on the API, search and feed pages; githubRepo, githubStars and
// codeLinks on API items; sort=stars / stars_gained and the Trending-by-code page, from star
// counts as the stars job stores them (its GitHub side is src/ingest/github.test.ts).

for (const dialect of DIALECTS) {
  describe(`code links and stars over HTTP [${dialect}]`, () => {
    let db: TestDatabase;
    let app: FastifyInstance;
    const day = (ago: number) => new Date(Date.now() - ago * 24 * 3600_000).toISOString().slice(0, 10);

    before(async () => {
      db = await freshDatabase(dialect);
      const feedDay = '2026-03-10';
      await addPapers(db, [
        {
          id: '2603.00501',
          day: feedDay,
          title: 'Kernels for sparse attention',
          abstract: 'Sparse attention kernels. Code: https://github.com/lab/kernels',
          submitted: { day: feedDay, upvotes: 9 },
        },
        {
          id: '2603.00502',
          day: feedDay,
          title: 'Tables for question answering',
          abstract: 'Table attention benchmark at https://github.com/lab/tables.',
          submitted: { day: feedDay, upvotes: 5 },
        },
        {
          id: '2603.00503',
          day: feedDay,
          title: 'Attention without code',
          abstract: 'Attention, and code will be released upon acceptance.',
          submitted: { day: feedDay, upvotes: 7 },
        },
      ]);
      // What the stars job leaves: kernels is bigger, tables gained more this week.
      const repos = [
        {
          url: 'https://github.com/lab/kernels',
          repo: 'lab/kernels',
          stars: 1000,
          counts: [
            [8, 990],
            [1, 1000],
          ],
        },
        {
          url: 'https://github.com/lab/tables',
          repo: 'lab/tables',
          stars: 300,
          counts: [
            [9, 100],
            [6, 150],
            [0, 300],
          ],
        },
      ];
      for (const r of repos) {
        await db.db
          .insertInto('github_repos')
          .values({ url: r.url, repo: r.repo, stars: r.stars, etag: null, checked_at: null, next_check_at: '2099-01-01', gone: 0, failures: 0 })
          .execute();
        for (const [ago, stars] of r.counts)
          await db.db
            .insertInto('github_repo_stars')
            .values({ url: r.url, day: day(ago), stars })
            .execute();
      }
      app = (await buildTestApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), database: db })).app;
    });
    after(async () => {
      await app.close();
      await db.destroy();
    });

    const ids = (items: { paper: { id: string } }[]) => items.map((i) => i.paper.id);

    test('API items carry githubRepo, githubStars and codeLinks; hasCode=1 keeps the papers with a repository', async () => {
      const all = (await app.inject({ method: 'GET', url: '/api/daily_papers?date=2026-03-10' })).json();
      assert.deepEqual(ids(all), ['2603.00501', '2603.00503', '2603.00502']);
      assert.equal(all[0].paper.githubRepo, 'https://github.com/lab/kernels');
      assert.equal(all[0].paper.githubStars, 1000);
      assert.equal(all[0].githubStars, 1000);
      assert.deepEqual(all[0].paper.codeLinks, [{ url: 'https://github.com/lab/kernels', kind: 'github' }]);
      assert.equal(all[1].paper.githubStars, null);
      const coded = (await app.inject({ method: 'GET', url: '/api/daily_papers?date=2026-03-10&hasCode=1' })).json();
      assert.deepEqual(ids(coded), ['2603.00501', '2603.00502']);
      const papers = (await app.inject({ method: 'GET', url: '/api/papers?hasCode=1' })).json();
      assert.deepEqual(papers.map((p: { id: string }) => p.id).sort(), ['2603.00501', '2603.00502']);
      assert.equal((await app.inject({ method: 'GET', url: '/api/papers?hasCode=2' })).statusCode, 400);
      const page = await app.inject({ method: 'GET', url: '/papers/date/2026-03-10?hasCode=1' });
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /Attention without code/);
      assert.match(page.body, /Tables for question answering/);
      assert.equal((await app.inject({ method: 'GET', url: '/papers/date/2026-03-10?hasCode=yes' })).statusCode, 400);
    });

    test('search: hasCode=1 keeps the hits with a repository', async () => {
      const search = async (qs: string) => {
        const res = await app.inject({ method: 'GET', url: `/api/papers/search?q=attention${qs}` });
        assert.equal(res.statusCode, 200, res.body);
        return ids(res.json()).sort();
      };
      await waitFor(async () => (await search('')).length === 3, { what: 'the three papers searchable' });
      assert.deepEqual(await search('&hasCode=1'), ['2603.00501', '2603.00502']);
    });

    test('sort=stars and sort=stars_gained (last 7 days); Trending by code orders by stars gained and is linked from Trending', async () => {
      const byStars = (await app.inject({ method: 'GET', url: '/api/daily_papers?sort=stars' })).json();
      assert.deepEqual(ids(byStars), ['2603.00501', '2603.00502', '2603.00503']);
      const byGained = (await app.inject({ method: 'GET', url: '/api/daily_papers?sort=stars_gained' })).json();
      // tables: 300 now, 100 on the last count at least 7 days old: +200; kernels: +10.
      assert.deepEqual(ids(byGained), ['2603.00502', '2603.00501', '2603.00503']);
      const page = await app.inject({ method: 'GET', url: '/papers/trending/code' });
      assert.equal(page.statusCode, 200);
      const order = ['Tables for question answering', 'Kernels for sparse attention'].map((t) => page.body.indexOf(t));
      assert.ok(order[0] > 0 && order[0] < order[1], `order ${order}`);
      assert.doesNotMatch(page.body, /Attention without code/);
      assert.match(page.body, /\+200 this week/);
      assert.match(page.body, /★ 1k/);
      const trending = await app.inject({ method: 'GET', url: '/papers/trending' });
      assert.match(trending.body, /href="\/papers\/trending\/code">Trending by code</);
    });
  });
}
