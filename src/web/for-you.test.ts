import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../testing/test-app.js';
import { cardIds, Member } from '../testing/member.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { addPapers } from '../digest/fixtures.js';
import { FOR_YOU_PAPERS } from '../testing/foryou-fixtures.js';
import type { Community } from '../community/community.js';
import { PICKED_CATEGORY_BONUS } from '../recommend/service.js';

// The For-you pages over HTTP without JavaScript: forms with CSRF, redirects back, the cold start,
// the For-you sort on the feed and search, and nothing of one member on another's pages.

for (const dialect of DIALECTS) {
  describe(`[${dialect}] For-you pages`, () => {
    let db: TestDatabase;
    let app: FastifyInstance;
    let community: Community;
    let ada: Member;
    let bob: Member;
    let t: Awaited<ReturnType<typeof buildTestApp>>;
    let adaId: number;
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      await addPapers(db, [
        ...FOR_YOU_PAPERS.map((p) => (p.id === '2603.00204' || p.id === '2603.00201' ? { ...p, submitted: { day: '2026-03-10', upvotes: 0 } } : p)),
      ]);
      t = await buildTestApp({ database: db });
      app = t.app;
      community = t.deps.community;
      const a = await community.accounts.createUser({ email: 'ada@example.org', username: 'ada' });
      adaId = a.id;
      const b = await community.accounts.createUser({ email: 'bob@example.org', username: 'bob' });
      ada = new Member(app, (await community.accounts.createSession(a.id)).token);
      bob = new Member(app, (await community.accounts.createSession(b.id)).token);
    });
    afterEach(async () => {
      await app.close();
      await db.destroy();
    });

    test('a new member: the cold start, import by the form, ranked cards with reasons, dismiss (gone after reload) and save without JavaScript', async () => {
      const signedOut = await app.inject({ method: 'GET', url: '/for-you' });
      assert.equal(signedOut.statusCode, 303);
      assert.equal(signedOut.headers.location, '/signin?next=%2Ffor-you');
      let page = await ada.get('/for-you');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Your ranking starts with a few papers you like/);
      assert.match(page.body, /action="\/for-you\/import"/);
      assert.deepEqual(cardIds(page.body).sort(), ['2603.00201', '2603.00204'], "the community's feed meanwhile");
      const bib = '@article{gnn, title = {Graph neural networks for molecule property prediction}, eprint = {2603.00101}}\n@article{bad, title = {oops';
      const imported = await ada.submit('/for-you', '/for-you/import', { library: bib });
      assert.equal(imported.statusCode, 200, imported.body);
      assert.match(imported.body, /Imported 1 paper; 1 not imported/);
      assert.match(imported.body, /<strong>bad<\/strong> \(line 2\): broken entry/);
      page = await ada.get('/for-you');
      assert.doesNotMatch(page.body, /Your ranking starts/);
      assert.deepEqual(cardIds(page.body)[0], '2603.00201');
      assert.equal(cardIds(page.body).length, 4, 'every paper of the day, submitted or not');
      assert.match(page.body, /<p class="reason">like &quot;Graph neural networks for molecule property prediction&quot; you imported<\/p>/);
      assert.match(page.body, /rel="prev" href="\/for-you\?day=2026-03-09"/);
      // Not interested, as a plain form: back to the page, and the paper is gone
      const dismissed = await ada.submit('/for-you', '/papers/2603.00201/dismiss');
      assert.equal(dismissed.statusCode, 303);
      assert.equal(dismissed.headers.location, '/for-you');
      page = await ada.get('/for-you');
      assert.ok(!cardIds(page.body).includes('2603.00201'));
      // Save: the ranking changes on the next request
      assert.doesNotMatch(page.body, /you saved/);
      await ada.submit('/papers/2603.00102', '/papers/2603.00102/save');
      page = await ada.get('/for-you');
      assert.equal(cardIds(page.body)[0], '2603.00203');
      assert.match(page.body, /like &quot;Protein structure prediction with attention&quot; you saved/);
      await ada.submit('/for-you', '/papers/2603.00202/save');
      await ada.submit('/papers/2603.00103', '/papers/2603.00103/save');
      page = await ada.get('/for-you');
      assert.ok(!cardIds(page.body).includes('2603.00202'), 'a saved paper is not recommended back');
      // /saved is her "Saved" collection (issue #27)
      const saved = await ada.get('/saved');
      assert.equal(saved.headers.location, '/u/ada/c/saved');
      const library = await ada.get('/u/ada/c/saved');
      assert.deepEqual(cardIds(library.body), ['2603.00103', '2603.00202', '2603.00102'], 'her library, newest saved first');
      assert.deepEqual(cardIds((await bob.get('/u/bob/c/saved')).body), [], 'bob has his own');
      assert.equal((await bob.get('/u/ada/c/saved')).statusCode, 404, 'and never sees hers');
      assert.equal((await app.inject({ method: 'GET', url: '/saved' })).statusCode, 303);
      const paper = await ada.get('/papers/2603.00103');
      assert.match(paper.body, /action="\/papers\/2603\.00103\/unsave"/, 'the paper page says it is saved');
      // JSON for the script, as the upvote
      const json = await app.inject({
        method: 'POST',
        url: '/papers/2603.00204/dismiss',
        payload: 'x=1',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', cookie: `pb_session=${ada.cookies.pb_session}` },
      });
      assert.equal(json.statusCode, 403, 'no CSRF token: refused');
      // an earlier day
      const earlier = await ada.get('/for-you?day=2026-03-09');
      assert.deepEqual(cardIds(earlier.body), [], 'all three are in her library already');
      assert.match(earlier.body, /No papers left on this day/);
      assert.match(earlier.body, /rel="next" href="\/for-you\?day=2026-03-10"/);
      assert.equal((await ada.get('/for-you?day=2026-02-30')).statusCode, 400);
    });

    test('a new member picks categories (their category follows): those papers first with a reason, then a small lift once she likes papers', async () => {
      await addPapers(db, [
        {
          id: '2603.00301',
          day: '2026-03-10',
          title: 'Parsing with transformers',
          abstract: 'Syntactic parsing of sentences.',
          categories: ['cs.CL', 'cs.LG'],
        },
        {
          id: '2603.00302',
          day: '2026-03-10',
          title: 'Dialogue agents that ask',
          abstract: 'Dialogue systems ask clarifying questions.',
          categories: ['cs.CL'],
          submitted: { day: '2026-03-10', upvotes: 4 },
        },
        { id: '2603.00303', day: '2026-03-10', title: 'Quasar spectra', abstract: 'Quasar spectra at high redshift.', categories: ['astro-ph.GA'] },
      ]);
      let page = await ada.get('/for-you');
      assert.match(page.body, /Your ranking starts/);
      assert.match(page.body, /action="\/for-you\/categories"/);
      assert.match(
        page.body,
        /<input type="checkbox" name="category" value="cs\.LG"> cs\.LG <span class="muted small">\(8\)<\/span>/,
        "the instance's categories, with counts",
      );
      assert.match(page.body, /value="cs\.CL"> cs\.CL <span class="muted small">\(2\)<\/span>/);
      // no CSRF token: refused; a category that is none: a clear 400
      const forged = await app.inject({
        method: 'POST',
        url: '/for-you/categories',
        payload: 'category=cs.CL',
        headers: { cookie: `pb_session=${ada.cookies.pb_session}`, 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(forged.statusCode, 403);
      const bad = await ada.submit('/for-you', '/for-you/categories', { category: 'cs CL!' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /&quot;cs CL!&quot; is not an arXiv category/);
      const picked = await ada.submit('/for-you', '/for-you/categories', { category: 'cs.CL' });
      assert.equal(picked.statusCode, 303);
      assert.equal(picked.headers.location, '/for-you');
      assert.deepEqual((await app.inject({ method: 'GET', url: '/following', headers: { cookie: ada.cookie } })).statusCode, 200);
      assert.deepEqual(
        (await t.deps.follows.list(adaId)).map((f) => [f.kind, f.value]),
        [['category', 'cs.CL']],
        'one source of truth: her category follows',
      );
      page = await ada.get('/for-you');
      assert.doesNotMatch(page.body, /Your ranking starts/);
      assert.match(page.body, /Papers of the categories you follow come first/);
      const ids = cardIds(page.body);
      assert.deepEqual(ids.slice(0, 2), ['2603.00302', '2603.00301'], 'cs.CL first, the upvoted one first among them');
      assert.equal(ids.length, 7, 'then the rest of the day');
      assert.match(page.body, /data-paper-id="2603\.00302"[\s\S]*?<p class="reason">in cs\.CL, which you follow<\/p>/);
      assert.match(page.body, /<input type="checkbox" name="category" value="cs\.CL" checked>/);
      // Once she likes a paper the ranker leads, and her categories count a little
      await ada.submit('/papers/2603.00102', '/papers/2603.00102/save');
      page = await ada.get('/for-you');
      assert.equal(cardIds(page.body)[0], '2603.00203', 'the paper like the saved one first');
      const fy = await t.deps.recommend.forYou(adaId, { offset: 0, limit: 50 });
      const plain = await t.deps.recommend.rank(
        adaId,
        fy.items.map((i) => i.id),
        { dropKnown: true },
      );
      const score = (id: string) => plain.find((r) => r.id === id)!.score;
      assert.equal(fy.items.find((i) => i.id === '2603.00301')!.score, Math.round((score('2603.00301') + PICKED_CATEGORY_BONUS) * 1e4) / 1e4);
      assert.equal(fy.items.find((i) => i.id === '2603.00303')!.score, score('2603.00303'));
      // unticking every box unfollows them
      await ada.submit('/for-you', '/for-you/categories', {});
      assert.deepEqual(await t.deps.follows.list(adaId), []);
    });

    test("the For-you sort on the feed and search, and another member's pages show nothing of it", async () => {
      await ada.submit('/for-you', '/for-you/import', { library: '2603.00202 2603.00103' });
      // the feed: community order is 2603.00201, 2603.00204 (by id); for ada the black-hole reader, neither shares words
      const feed = await ada.get('/papers/date/2026-03-10?sort=foryou');
      assert.equal(feed.statusCode, 200);
      assert.match(feed.body, /<a href="\/papers\/date\/2026-03-10\?sort=foryou" aria-current="true">For you<\/a>/);
      assert.deepEqual(cardIds(feed.body).sort(), ['2603.00201', '2603.00204']);
      assert.equal((await ada.get('/papers/date/2026-03-10?sort=nonsense')).statusCode, 400);
      const search = await ada.get('/search?q=neural&sort=foryou');
      assert.equal(search.statusCode, 200);
      assert.match(search.body, /<option value="foryou" selected>for you<\/option>/);
      await ada.submit('/papers/2603.00203', '/papers/2603.00203/save');
      await ada.submit('/papers/2603.00204', '/papers/2603.00204/dismiss');
      const found = await ada.get('/search?q=protein');
      assert.match(found.body, /data-paper-id="2603\.00203"/);
      assert.match(found.body, /action="\/papers\/2603\.00203\/unsave"/, 'search cards carry her Save state');
      assert.match(found.body, /\/static\/community\.js/);
      // bob sees his own cold start, none of ada's saves or dismissals, on any page
      const bobs = await bob.get('/for-you');
      assert.match(bobs.body, /Your ranking starts/);
      for (const url of [
        '/for-you',
        '/papers/2603.00203',
        '/papers/2603.00204',
        '/u/ada',
        '/papers/date/2026-03-10',
        '/papers/date/2026-03-10?sort=foryou',
        '/search?q=protein',
        '/search?q=protein&sort=foryou',
      ]) {
        const body = (await bob.get(url)).body;
        assert.doesNotMatch(body, /unsave|undismiss|you imported|you saved/, `${url} shows nothing of ada's`);
      }
      const anon = (await app.inject({ method: 'GET', url: '/u/ada' })).body;
      assert.doesNotMatch(anon, /2603\.00203|2603\.00204/);
    });

    test("/account/export downloads the member's own data with their signals, and only theirs", async () => {
      await ada.submit('/for-you', '/for-you/import', { library: '2603.00101' });
      await ada.submit('/papers/2603.00203', '/papers/2603.00203/save');
      await ada.submit('/papers/2603.00204', '/papers/2603.00204/dismiss');
      await bob.submit('/papers/2603.00202', '/papers/2603.00202/save');
      const res = await ada.get('/account/export');
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-disposition']), /attachment; filename="paperboy-ada\.json"/);
      assert.match(String(res.headers['cache-control']), /no-store/);
      const data = res.json();
      assert.equal(data.account.username, 'ada');
      assert.deepEqual(
        data.forYou.saved.map((x: { paperId: string }) => x.paperId),
        ['2603.00203'],
      );
      assert.deepEqual(
        data.forYou.dismissed.map((x: { paperId: string }) => x.paperId),
        ['2603.00204'],
      );
      assert.deepEqual(
        data.forYou.imported.map((x: { paperId: string }) => x.paperId),
        ['2603.00101'],
      );
      const theirs = (await bob.get('/account/export')).json();
      assert.equal(theirs.account.username, 'bob');
      assert.deepEqual(
        theirs.forYou.saved.map((x: { paperId: string }) => x.paperId),
        ['2603.00202'],
      );
      assert.deepEqual(theirs.forYou.dismissed, []);
      assert.equal((await app.inject({ method: 'GET', url: '/account/export' })).statusCode, 303);
      assert.match((await ada.get('/u/ada')).body, /href="\/account\/export"/);
      assert.doesNotMatch((await bob.get('/u/ada')).body, /account\/export/);
    });
  });
}
