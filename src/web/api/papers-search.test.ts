import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../../testing/test-app.js';
import { createPaperStore } from '../../papers/store.js';
import { buildPaper } from '../../papers/paper.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../testing/databases.js';
import { addSubmission, addUser } from '../../testing/feed-fixtures.js';
import { waitFor } from '../../testing/wait.js';
import { loadConfig } from '../../config.js';
import { createSearchService, type SearchService } from '../../search/service.js';

describe('search endpoints', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  before(async () => {
    db = await freshDatabase('sqlite');
    const papers = createPaperStore(db);
    await papers.upsertMany([
      buildPaper({
        id: '2501.00003',
        title: 'Sharpness and <b>generalization</b>',
        abstract: 'Flat minima generalize better in deep networks & <script>x</script>.',
      }),
      buildPaper({ id: '2501.00005', title: 'Text generation with diffusion', abstract: 'We generate text by denoising.' }),
      // 300 papers on one topic: the best 200 by words are cs.LG, the last 100 (weaker matches) cs.RO;
      // three are featured in the feed.
      ...Array.from({ length: 300 }, (_, i) =>
        buildPaper({
          id: `2502.${String(10000 + i)}`,
          title: i < 200 ? `Robust grasping grasping grasping study ${i}` : `A note on grasping ${i}`,
          abstract: 'Robots pick up objects.',
          categories: i < 200 ? ['cs.LG'] : ['cs.RO'],
          publishedAt: `2025-0${1 + (i % 9)}-15T00:00:00.000Z`,
        }),
      ),
    ]);
    const alice = await addUser(db, 'alice');
    await addSubmission(db, { paperId: '2502.10005', feedDay: '2025-02-16', submittedBy: alice, upvotes: 2, commentsCount: 1 });
    await addSubmission(db, { paperId: '2502.10250', feedDay: '2025-02-16', submittedBy: alice, upvotes: 9 });
    await addSubmission(db, { paperId: '2502.10299', feedDay: '2025-02-16', submittedBy: alice, upvotes: 40, hidden: true });
    ({ app } = await buildTestApp({ database: db, papers }));
  });
  after(async () => {
    await app.close();
    await db.destroy();
  });

  test('GET /api/papers/search answers an array in the daily papers shape', async () => {
    const r = await app.inject('/api/papers/search?q=generalization&limit=5');
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['x-search-mode'], 'lexical');
    const body = r.json();
    assert.ok(Array.isArray(body));
    assert.equal(body[0].paper.id, '2501.00003');
    assert.equal(body[0].paper.upvotes, 0);
    assert.equal(body[0].title, 'Sharpness and <b>generalization</b>');
    for (const k of ['publishedAt', 'summary', 'numComments', 'submittedBy', 'feedDay', 'score']) assert.ok(k in body[0], k);
    assert.equal(body[0].feedDay, null);
  });

  test('featured only, sorted by upvotes: feed data in the answer, hidden submissions left out', async () => {
    const r = await app.inject('/api/papers/search?q=grasping&featured=1&sort=upvotes');
    assert.equal(r.statusCode, 200);
    const body = r.json();
    // 2502.10250 is past the first 200 candidates by words; the search looks deeper for it.
    assert.deepEqual(
      body.map((x: { paper: { id: string } }) => x.paper.id),
      ['2502.10250', '2502.10005'],
    );
    assert.equal(body[0].paper.upvotes, 9);
    assert.equal(body[1].numComments, 1);
    assert.equal(body[1].submittedBy.name, 'alice');
    assert.equal(body[1].feedDay, '2025-02-16');
    assert.equal((await app.inject('/api/papers/search?q=grasping&featured=maybe')).statusCode, 400);
  });

  test('a filter that the best 200 matches do not pass still fills the page', async () => {
    const body = (await app.inject('/api/papers/search?q=grasping&category=cs.RO&limit=50')).json();
    assert.equal(body.length, 50);
    assert.ok(body.every((x: { paper: { categories: string[] } }) => x.paper.categories.includes('cs.RO')));
    const dated = (await app.inject('/api/papers/search?q=grasping&sort=date&limit=5')).json();
    const days = dated.map((x: { publishedAt: string }) => x.publishedAt);
    assert.deepEqual(days, [...days].sort().reverse());
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

  test('/search offers the featured filter and the upvotes sort, and shows upvotes', async () => {
    const r = await app.inject('/search?q=grasping&featured=1&sort=upvotes');
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /name="featured" value="1" checked/);
    assert.match(r.body, /<option value="upvotes" selected>/);
    assert.match(r.body, /▲ 9/);
    assert.match(r.body, /2 papers/);
  });
});

describe('search under load', () => {
  let db: TestDatabase;
  before(async () => {
    db = await freshDatabase('sqlite');
    await createPaperStore(db).upsertMany([
      buildPaper({ id: '2501.00003', title: 'Sharpness and generalization', abstract: 'Flat minima generalize better.' }),
    ]);
  });
  after(async () => {
    await db.destroy();
  });

  test('a repeated search is computed once, and again once a paper is added', async () => {
    const papers = createPaperStore(db);
    const real = createSearchService({ database: db, papers, embedder: null });
    let searches = 0;
    const search: SearchService = {
      ...real,
      embedder: null,
      answerState: () => real.answerState(),
      search: (r) => {
        searches++;
        return real.search(r);
      },
    };
    const { app } = await buildTestApp({ database: db, papers, search });
    try {
      const first = await app.inject('/api/papers/search?q=generalization');
      const again = await app.inject('/api/papers/search?q=generalization&limit=30');
      assert.equal(again.statusCode, 200);
      assert.equal(again.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(again.headers['x-search-mode'], 'lexical');
      assert.equal(again.body, first.body);
      assert.equal(searches, 1);
      await app.inject('/search?q=generalization');
      await app.inject('/search?q=generalization');
      assert.equal(searches, 2);
      await papers.upsertMany([buildPaper({ id: '2501.00009', title: 'Generalization bounds', abstract: 'Bounds.' })]);
      const ids = (await app.inject('/api/papers/search?q=generalization')).json().map((x: { paper: { id: string } }) => x.paper.id);
      assert.deepEqual(ids.sort(), ['2501.00003', '2501.00009']);
      assert.equal(searches, 3);
    } finally {
      await app.close();
    }
  });

  test('past SEARCH_CONCURRENCY and SEARCH_QUEUE: 503 with Retry-After (JSON on the API, a page on /search), and other routes answer meanwhile', async () => {
    const papers = createPaperStore(db);
    const real = createSearchService({ database: db, papers, embedder: null });
    const held: (() => void)[] = [];
    const search: SearchService = {
      ...real,
      embedder: null,
      answerState: () => real.answerState(),
      search: async (r) => {
        await new Promise<void>((resolve) => held.push(resolve));
        return real.search(r);
      },
    };
    const config = loadConfig({ LOG_LEVEL: 'silent', SEARCH_CONCURRENCY: '1', SEARCH_QUEUE: '1' });
    const { app, deps } = await buildTestApp({ database: db, papers, search, config });
    try {
      const computing = app.inject('/api/papers/search?q=generalization');
      await waitFor(() => held.length === 1, { what: 'the first search to start' });
      const queued = app.inject('/api/papers/search?q=minima');
      await waitFor(() => deps.searchAnswers.stats().waiting === 1, { what: 'the second search to queue' });
      const busy = await app.inject('/api/papers/search?q=flat');
      assert.equal(busy.statusCode, 503);
      assert.ok(Number(busy.headers['retry-after']) >= 1);
      assert.deepEqual(Object.keys(busy.json()), ['error', 'message']);
      assert.match(busy.json().message, /^search: too many searches at once/);
      const page = await app.inject('/search?q=flat');
      assert.equal(page.statusCode, 503);
      assert.ok(Number(page.headers['retry-after']) >= 1);
      assert.match(page.headers['content-type'] as string, /text\/html/);
      assert.match(page.body, /Search is busy/);
      assert.equal((await app.inject('/healthz')).statusCode, 200);
      held.shift()!();
      assert.equal((await computing).statusCode, 200);
      await waitFor(() => held.length === 1, { what: 'the queued search to start' });
      held.shift()!();
      assert.equal((await queued).statusCode, 200);
    } finally {
      await app.close();
    }
  });
});

for (const dialect of DIALECTS) {
  test(`[${dialect}] while the in-memory lexical index loads, search answers from the fallback and says so in X-Search-Index`, async () => {
    const db = await freshDatabase(dialect);
    const papers = createPaperStore(db);
    await papers.upsertMany([buildPaper({ id: '2501.00003', title: 'Sharpness and generalization', abstract: 'Flat minima generalize better.' })]);
    const { app } = await buildTestApp({ database: db, papers });
    try {
      // The first search starts loading the index: the fallback (FTS5, tsvector) answers it.
      const first = await app.inject('/api/papers/search?q=generalization');
      assert.equal(first.statusCode, 200);
      assert.equal(first.headers['x-search-index'], 'building');
      assert.equal(first.json()[0].paper.id, '2501.00003');
      await waitFor(async () => (await app.inject('/api/papers/search?q=minima')).headers['x-search-index'] === undefined, {
        what: 'the memory index to answer',
      });
      const page = await app.inject('/search?q=flat');
      assert.equal(page.headers['x-search-index'], undefined);
      assert.match(page.body, /Sharpness and generalization/);
      // Another process (its own copy of the index): its search page says so too, before its index answers.
      const other = await buildTestApp({ database: db, papers });
      try {
        const fresh = await other.app.inject('/search?q=sharpness');
        assert.equal(fresh.headers['x-search-index'], 'building');
        assert.match(fresh.body, /Sharpness and generalization/);
      } finally {
        await other.app.close();
      }
    } finally {
      await app.close();
      await db.destroy();
    }
  });
}
