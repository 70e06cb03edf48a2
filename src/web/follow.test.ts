import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { parseAtomFeed, parseJsonFeed } from 'feedsmith';
import { buildTestApp } from '../testing/test-app.js';
import { cardIds, Member } from '../testing/member.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { addPapers } from '../digest/fixtures.js';
import type { AppDeps } from './deps.js';
import { loadConfig } from '../config.js';

// Authors, following and the feeds over HTTP: pages and forms without JavaScript (CSRF as every
// form), JSON for the script, the API with tokens, feeds read back by a validating parser, 304s
// and 400s, and nothing of one member's follows on another's pages or API answers.

for (const dialect of DIALECTS) {
  describe(`[${dialect}] authors, following and feeds over HTTP`, () => {
    let db: TestDatabase;
    let app: FastifyInstance;
    let deps: AppDeps;
    let ada: Member;
    let bob: Member;
    let adaToken: string;
    let bobToken: string;
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      await addPapers(db, [
        { id: '2603.00001', day: '2026-03-02', authors: ['J. R. R. Tolkien', 'C. S. Lewis'], categories: ['cs.CL'], title: 'Elvish morphology' },
        {
          id: '2603.00002',
          day: '2026-03-04',
          authors: ['J.R.R. Tolkien'],
          categories: ['math.AG'],
          title: 'Rings of power series',
          submitted: { day: '2026-03-04', upvotes: 3 },
        },
        {
          id: '2603.00003',
          day: '2026-03-06',
          authors: ['José Müller'],
          categories: ['cs.CL'],
          title: 'Diffusion language models',
          submitted: { day: '2026-03-06', upvotes: 1 },
        },
      ]);
      ({ app, deps } = await buildTestApp({ database: db, config: loadConfig({ LOG_LEVEL: 'silent', BASE_URL: 'http://pb.test', PAGE_CACHE_STALE: '0' }) }));
      const { community } = deps;
      const a = await community.accounts.createUser({ email: 'ada@example.org', username: 'ada' });
      const b = await community.accounts.createUser({ email: 'bob@example.org', username: 'bob' });
      ada = new Member(app, (await community.accounts.createSession(a.id)).token);
      bob = new Member(app, (await community.accounts.createSession(b.id)).token);
      adaToken = (await community.accounts.createApiToken(a.id, 'test')).token;
      bobToken = (await community.accounts.createApiToken(b.id, 'test')).token;
      await db.db.updateTable('submissions').set({ submitted_by: b.id }).where('paper_id', '=', '2603.00003').execute();
      // bob claimed the Tolkien of 2603.00002, and a curator approved it
      await db.db
        .insertInto('author_claims')
        .values({
          paper_id: '2603.00002',
          author_index: 0,
          author_name: 'J.R.R. Tolkien',
          user_id: b.id,
          status: 'approved',
          created_at: '2026-03-05T00:00:00.000Z',
          decided_by: null,
          decided_at: null,
        })
        .execute();
    });
    afterEach(async () => {
      await app.close();
      await db.destroy();
    });

    test('an author page: every spelling of the name, newest first, the claiming member linked, names on cards and pages link there; bad names and pages are 400s', async () => {
      for (const url of ['/authors/J.%20R.%20R.%20Tolkien', '/authors/jrr%20tolkien', '/authors/Tolkien%2C%20J.R.R.']) {
        const res = await app.inject(url);
        assert.equal(res.statusCode, 200, url);
        assert.deepEqual(cardIds(res.body), ['2603.00002', '2603.00001'], url);
        assert.match(res.body, /Claimed by <a href="\/u\/bob">bob<\/a>/);
        assert.match(res.body, /<link rel="alternate" type="application\/atom\+xml" title="Papers by [^"]+ \(Atom\)" href="\/authors\/[^"]+\/feed\.xml">/);
        assert.match(res.body, /<link rel="alternate" type="application\/feed\+json"/);
        assert.match(res.body, /href="\/signin\?next=[^"]+" title="Sign in to follow/, 'signed out: Follow asks to sign in');
      }
      assert.deepEqual(cardIds((await app.inject('/authors/Jose%20Muller')).body), ['2603.00003']);
      assert.match((await app.inject('/authors/Nobody%20Here')).body, /No papers by this name here yet/);
      assert.equal((await app.inject('/authors/...')).statusCode, 400);
      assert.equal((await app.inject('/authors/jrr%20tolkien?p=x')).statusCode, 400);
      assert.equal((await app.inject('/authors/jrr%20tolkien?p=99999')).statusCode, 400);
      const paper = await app.inject('/papers/2603.00001');
      assert.match(paper.body, /<a class="author" href="\/authors\/J\.%20R\.%20R\.%20Tolkien">J\. R\. R\. Tolkien<\/a>/);
      const feed = await app.inject('/papers/trending');
      assert.match(feed.body, /<a class="author" href="\/authors\/Jos%C3%A9%20M%C3%BCller">José Müller<\/a>/);
    });

    test('follow from the author, member, category and search pages without JavaScript; /following lists each paper once, newest first; unfollow; private to the member', async () => {
      assert.equal((await app.inject('/following')).statusCode, 303, 'signed out: sign in first');
      let res = await ada.submit('/authors/J.%20R.%20R.%20Tolkien', '/follows');
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/authors/J.%20R.%20R.%20Tolkien');
      assert.match((await ada.get('/authors/jrr%20tolkien')).body, /Following ✓/, 'the same author by another spelling');
      res = await ada.submit('/u/bob', '/follows');
      assert.equal(res.statusCode, 303);
      res = await ada.submit('/papers/trending?category=cs.CL', '/follows');
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/papers/trending?category=cs.CL');
      res = await ada.submit('/search?q=diffusion', '/follows');
      assert.equal(res.statusCode, 303);
      const following = await ada.get('/following');
      assert.equal(following.statusCode, 200);
      assert.equal(following.headers['cache-control'], 'private, no-store');
      const listed = cardIds(following.body);
      assert.deepEqual(listed, ['2603.00003', '2603.00002', '2603.00001']);
      assert.match(following.body, /Submitted by <a href="\/u\/bob">@bob<\/a>/);
      assert.match(following.body, /Unfollow J\. R\. R\. Tolkien/);
      // the script's way: JSON, the CSRF token still required
      const noCsrf = await app.inject({
        method: 'POST',
        url: '/follows/delete',
        payload: 'kind=category&value=cs.CL',
        headers: { cookie: ada.cookie, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(noCsrf.statusCode, 403);
      res = await ada.submit('/following', '/follows/delete', {}, { headers: { accept: 'application/json' } });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().following, false);
      assert.equal((await ada.submit('/following', '/follows', { kind: 'member', value: 'nobody' })).statusCode, 400);
      // bob sees none of it
      const bobs = await bob.get('/following');
      assert.match(bobs.body, /You follow nothing yet/);
      assert.deepEqual(cardIds(bobs.body), []);
      for (const url of ['/authors/jrr%20tolkien', '/u/bob', '/search?q=diffusion', '/papers/trending?category=cs.CL']) {
        assert.doesNotMatch((await bob.get(url)).body, /Following ✓/, url);
      }
    });

    test('the follows API: list, follow, unfollow with a token; bad kinds, empty values and unknown members are 400s; private', async () => {
      const call = (method: 'GET' | 'POST' | 'DELETE', token: string | null, payload?: unknown) =>
        app.inject({ method, url: '/api/follows', payload: payload as never, headers: token ? { authorization: `Bearer ${token}` } : {} });
      assert.equal((await call('GET', null)).statusCode, 401);
      let res = await call('POST', adaToken, { kind: 'author', value: 'J. R. R. Tolkien' });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { kind: 'author', value: 'J. R. R. Tolkien', following: true });
      assert.equal((await call('POST', adaToken, { kind: 'member', value: 'bob' })).statusCode, 200);
      assert.equal((await call('POST', adaToken, { kind: 'category', value: 'cs.CL' })).statusCode, 200);
      assert.equal((await call('POST', adaToken, { kind: 'search', value: 'diffusion' })).statusCode, 200);
      const list = (await call('GET', adaToken)).json().follows as { kind: string; value: string }[];
      assert.deepEqual(list.map((f) => `${f.kind}:${f.value}`).sort(), ['author:J. R. R. Tolkien', 'category:cs.CL', 'member:bob', 'search:diffusion']);
      assert.deepEqual((await call('GET', bobToken)).json(), { follows: [] });
      res = await call('DELETE', adaToken, { kind: 'author', value: 'jrr tolkien' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().following, false);
      assert.equal((await call('GET', adaToken)).json().follows.length, 3);
      for (const [body, message] of [
        [{ kind: 'planet', value: 'x' }, /not a kind to follow/],
        [{ kind: 'author', value: '' }, /empty value/],
        [{ kind: 'member', value: 'nobody' }, /no member called nobody/],
        [{ kind: 'category', value: 'cs CL!' }, /not an arXiv category/],
        [{ kind: 'author' }, /value/],
      ] as const) {
        const r = await call('POST', adaToken, body);
        assert.equal(r.statusCode, 400, JSON.stringify(body));
        assert.match(r.json().message, message);
        assert.match(r.json().message, /^follow: /);
      }
      const doc = (await app.inject('/openapi.json')).json();
      assert.ok(doc.paths['/api/follows'].get && doc.paths['/api/follows'].post && doc.paths['/api/follows'].delete);
    });

    test('feeds: Atom and JSON Feed 1.1 for the daily, trending, category, search, author and member lists parse, with stable ids; 304s; 400s, never a 500', async () => {
      const feeds: [string, string[]][] = [
        ['/papers/feed', ['2603.00003', '2603.00002']],
        ['/papers/trending/feed', ['2603.00002', '2603.00003']],
        ['/papers/feed?category=cs.CL', ['2603.00003']],
        ['/search/feed?q=diffusion', ['2603.00003']],
        ['/authors/J.%20R.%20R.%20Tolkien/feed', ['2603.00002', '2603.00001']],
        ['/u/bob/feed', ['2603.00003']],
      ];
      for (const [base, expected] of feeds) {
        const [path, query] = base.split('?');
        const atomUrl = `${path}.xml${query ? `?${query}` : ''}`;
        const jsonUrl = `${path}.json${query ? `?${query}` : ''}`;
        const atom = await app.inject(atomUrl);
        assert.equal(atom.statusCode, 200, `${atomUrl}: ${atom.body}`);
        assert.match(String(atom.headers['content-type']), /^application\/atom\+xml/);
        const a = parseAtomFeed(atom.body);
        assert.deepEqual(
          a.entries?.map((e) => e.id),
          expected.map((id) => `http://pb.test/papers/${id}`),
          atomUrl,
        );
        assert.ok(a.entries?.every((e) => e.title && e.updated && e.links?.length));
        const json = await app.inject(jsonUrl);
        assert.equal(json.statusCode, 200, jsonUrl);
        assert.match(String(json.headers['content-type']), /^application\/feed\+json/);
        const j = parseJsonFeed(json.body);
        assert.equal(JSON.parse(json.body).version, 'https://jsonfeed.org/version/1.1');
        assert.deepEqual(
          j.items?.map((i) => i.id),
          expected.map((id) => `http://pb.test/papers/${id}`),
          jsonUrl,
        );
        // conditional GET: the ETag, then the date
        const etag = String(atom.headers.etag);
        const lastModified = String(atom.headers['last-modified']);
        assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
        assert.equal((await app.inject({ url: atomUrl, headers: { 'if-none-match': etag } })).statusCode, 304, atomUrl);
        assert.equal((await app.inject({ url: atomUrl, headers: { 'if-none-match': '"other"' } })).statusCode, 200);
        assert.equal((await app.inject({ url: atomUrl, headers: { 'if-modified-since': lastModified } })).statusCode, 304);
        assert.equal((await app.inject({ url: atomUrl, headers: { 'if-modified-since': 'Thu, 01 Jan 2026 00:00:00 GMT' } })).statusCode, 200);
        assert.equal((await app.inject({ url: jsonUrl, headers: { 'if-none-match': String(json.headers.etag) } })).statusCode, 304);
        // the same list, the same ids and body again
        assert.equal((await app.inject(atomUrl)).body, atom.body);
      }
      for (const url of [
        '/papers/feed.xml?category=not%20a%20category',
        '/papers/trending/feed.json?category=%3Cx%3E',
        '/search/feed.xml',
        '/search/feed.json?q=',
        '/search/feed.xml?q=x&from=yesterday',
        '/search/feed.xml?q=x&sort=sideways',
        `/search/feed.xml?q=${'x'.repeat(300)}`,
        '/authors/.../feed.xml',
        '/authors/%20%20/feed.json',
      ]) {
        const res = await app.inject(url);
        assert.equal(res.statusCode, 400, `${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        assert.match(res.body, /^feed: /, url);
      }
      assert.equal((await app.inject('/u/nobody/feed.xml')).statusCode, 404);
      // A vote reorders trending without a newer entry: If-Modified-Since must not keep the old order.
      const before = await app.inject('/papers/trending/feed.xml');
      await new Promise((r) => setTimeout(r, 1100)); // Last-Modified has whole seconds: the next render must fall in a later one
      await db.db.updateTable('submissions').set({ upvotes: 10, hotness: 10 }).where('paper_id', '=', '2603.00003').execute();
      const after = await app.inject({ url: '/papers/trending/feed.xml', headers: { 'if-modified-since': String(before.headers['last-modified']) } });
      assert.equal(after.statusCode, 200, 'reordered since: sent again');
      assert.deepEqual(
        parseAtomFeed(after.body).entries?.map((e) => e.id),
        ['http://pb.test/papers/2603.00003', 'http://pb.test/papers/2603.00002'],
      );
      assert.equal((await app.inject({ url: '/papers/trending/feed.xml', headers: { 'if-none-match': String(before.headers.etag) } })).statusCode, 200);
      // every page with a feed names it
      for (const [page, feed] of [
        ['/u/bob', '/u/bob/feed.xml'],
        ['/search?q=diffusion', '/search/feed.xml?q=diffusion'],
        ['/papers/trending?category=cs.CL', '/papers/trending/feed.xml?category=cs.CL'],
        ['/papers/trending', '/papers/trending/feed.xml'],
        ['/authors/jrr%20tolkien', '/authors/jrr%20tolkien/feed.xml'],
      ]) {
        const body = (await app.inject(page)).body;
        assert.ok(body.includes(`<link rel="alternate" type="application/atom+xml"`) && body.includes(`href="${feed}"`), `${page} links ${feed}`);
      }
    });
  });
}
