import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { buildTestApp, type TestApp } from '../testing/test-app.js';
import { Member } from '../testing/member.js';
import { addPapers } from '../digest/fixtures.js';
import { feedVersion } from '../feed/daily.js';
import { type PdfServer, servePdfs } from '../testing/pdf.js';
import { createThumbnails } from '../ingest/thumbnails.js';
import { createPoliteHttp } from '../ingest/polite-http.js';

// Thumbnails (THUMBNAILS=on) on every kind of card, not only the feed's: search results, an author's
// page, a collection, For you show a paper's drawn thumbnail with its size, and ask for the ones
// never asked for (a paper first seen there gets drawn). A thumbnail drawn after an anonymous feed
// page was cached shows on the next request (the feed version is bumped once per batch, only for
// papers on a feed). PDFs from a loopback server (src/testing/pdf.ts).

/** the latest feed day: For you shows its papers */
const DAY = '2026-03-10';
/** the feed day whose cached page sees a thumbnail drawn later */
const CACHED_DAY = '2026-03-09';
/** the day the papers on no feed were published */
const OLDER = '2026-03-02';
const AUTHOR = 'Grace Hopper';
/** drawn before the pages are asked for */
const DRAWN = '2603.01001';
/** submitted, first shown on For you */
const ON_FEED = '2603.01002';
/** on no feed: first shown on a search */
const SEARCHED = '2603.01003';
/** on no feed: first shown on the author's page */
const BY_AUTHOR = '2603.01004';
/** on no feed: first shown in a collection */
const COLLECTED = '2603.01005';
/** submitted on CACHED_DAY: drawn after its feed page was cached */
const LATE = '2603.01006';
const LATE_TOO = '2603.01008';
/** on no feed: drawing it leaves cached pages alone */
const UNLISTED = '2603.01007';
/** submitted on BATCH_DAY: drawn in one long run */
const BATCH = ['2603.01011', '2603.01012', '2603.01013'];
const BATCH_DAY = '2026-03-05';

const IMG = (id: string) => new RegExp(`<img src="/thumbnails/${id.replace('.', '\\.')}\\.png" width="120" height="156" loading="lazy"`);

describe('thumbnails on every card', () => {
  for (const dialect of DIALECTS) {
    describe(`[${dialect}]`, () => {
      let db: TestDatabase;
      let server: PdfServer;
      let on: TestApp;
      let off: TestApp;
      let ada: Member;
      let adaOff: Member;
      let collection: string;
      let adaId: number;
      const dirs: string[] = [];
      const status = async (id: string) =>
        (await db.db.selectFrom('paper_thumbnails').select('status').where('paper_id', '=', id).executeTakeFirst())?.status ?? 'never asked';

      before(async () => {
        db = await freshDatabase(dialect);
        server = await servePdfs();
        // Each paper is on one page only until it is drawn, but DRAWN, which is on all of them.
        const paper = (id: string, title: string, submitted?: string, authors = ['Alan Turing']) => ({
          id,
          day: submitted ?? OLDER,
          title,
          abstract: `${title}: what this paper is about.`,
          authors,
          submitted: submitted ? { day: submitted, upvotes: 3 } : undefined,
        });
        await addPapers(db, [
          paper(DRAWN, 'Lattice models drawn first', DAY, [AUTHOR]),
          paper(ON_FEED, 'Sparse codes for you', DAY),
          paper(SEARCHED, 'Lattice models searched for'),
          paper(BY_AUTHOR, 'Quantum chromodynamics by one author', undefined, [AUTHOR]),
          paper(COLLECTED, 'Collected papers on protein folding'),
          paper(LATE, 'Drawn after its page was cached', CACHED_DAY),
          paper(LATE_TOO, 'Drawn in the same run', CACHED_DAY),
          paper(UNLISTED, 'On no feed at all'),
          ...BATCH.map((id) => paper(id, `One of a batch: ${id}`, BATCH_DAY)),
        ]);
        const dir = () => {
          const d = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-thumb-cards-'));
          dirs.push(d);
          return d;
        };
        // The page cache on, every request checking the version: what a cached page shows is what the version says.
        const env = { LOG_LEVEL: 'silent', PAGE_CACHE_MB: '8', PAGE_CACHE_STALE: '0', ARXIV_CONTACT: 'ops@example.org', ARXIV_REQUEST_INTERVAL_MS: '0' };
        on = await buildTestApp({ database: db, config: loadConfig({ ...env, THUMBNAILS: 'on', ARXIV_PDF_URL: server.url, DATA_DIR: dir() }) });
        off = await buildTestApp({ database: db, config: loadConfig({ ...env, ARXIV_PDF_URL: server.url, DATA_DIR: dir() }) });
        const user = await on.deps.community.accounts.createUser({ email: 'ada@example.org', username: 'ada' });
        adaId = user.id;
        ada = new Member(on.app, (await on.deps.community.accounts.createSession(user.id)).token);
        adaOff = new Member(off.app, (await off.deps.community.accounts.createSession(user.id)).token);
        const c = await on.deps.recommend.collections.create(user.id, { name: 'Reading', public: true });
        await on.deps.recommend.collections.add(c, DRAWN);
        await on.deps.recommend.collections.add(c, COLLECTED);
        collection = `/u/ada/c/${c.slug}`;

        const thumbnails = on.deps.thumbnails;
        assert.ok(thumbnails);
        await thumbnails.askFor([DRAWN]);
        assert.deepEqual(await thumbnails.drawDue(), { drawn: 1, failed: 0, later: 0 });
      });
      after(async () => {
        await on.app.close();
        await off.app.close();
        await db.destroy();
        await server.close();
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
      });

      test('For you, a search, an author page and a collection show the drawn thumbnail with its size, and ask for the missing ones', async () => {
        const pages: [string, () => Promise<{ body: string }>, string][] = [
          ['For you', () => ada.get('/for-you'), ON_FEED],
          ['a search', () => on.app.inject({ url: '/search?q=lattice' }), SEARCHED],
          ["an author's page", () => on.app.inject({ url: `/authors/${encodeURIComponent(AUTHOR)}` }), BY_AUTHOR],
          ['a collection', () => on.app.inject({ url: collection }), COLLECTED],
        ];
        for (const [what, get, missing] of pages) {
          assert.equal(await status(missing), 'never asked', `${missing} is first shown on ${what}`);
          const { body } = await get();
          assert.match(body, IMG(DRAWN), `${what} shows the drawn thumbnail, lazy, with the size it is drawn at`);
          assert.match(body, new RegExp(`<li class="paper-card with-thumb" data-paper-id="${DRAWN}"`), `${what}: the card has room for it`);
          assert.doesNotMatch(body, IMG(missing), `${what}: nothing for a paper not drawn yet`);
          assert.equal(await status(missing), 'pending', `${what} asks for the papers it shows`);
        }
        // What they asked for gets drawn, and shows there from then on.
        const r = await on.deps.thumbnails?.drawDue();
        assert.equal(r?.drawn, 4);
        assert.equal(server.asked.get(`/pdf/${SEARCHED}`), 1);
        assert.match((await on.app.inject({ url: `/authors/${encodeURIComponent(AUTHOR)}` })).body, IMG(BY_AUTHOR));
        assert.match((await on.app.inject({ url: collection })).body, IMG(COLLECTED));
        assert.match((await ada.get('/for-you')).body, IMG(ON_FEED));
        // A member's search is rendered for them: it shows it at once.
        assert.match((await ada.get('/search?q=lattice')).body, IMG(SEARCHED));
        // A member's page (what she upvoted) and Following (the authors she follows) show them too.
        await on.deps.community.votes.upvote(adaId, DRAWN);
        await on.deps.follows.follow(adaId, 'author', AUTHOR);
        assert.match((await on.app.inject({ url: '/u/ada' })).body, IMG(DRAWN));
        const following = (await ada.get('/following')).body;
        assert.match(following, IMG(DRAWN));
        assert.match(following, IMG(BY_AUTHOR));
      });

      test('THUMBNAILS off: no thumbnail on any card, and nothing asked for', async () => {
        const rows = await db.db.selectFrom('paper_thumbnails').select(['paper_id', 'status']).orderBy('paper_id').execute();
        for (const res of [
          await adaOff.get('/for-you'),
          await off.app.inject({ url: '/search?q=lattice' }),
          await adaOff.get('/search?q=lattice'),
          await off.app.inject({ url: `/authors/${encodeURIComponent(AUTHOR)}` }),
          await off.app.inject({ url: collection }),
          await off.app.inject({ url: '/u/ada' }),
          await adaOff.get('/following'),
          await off.app.inject({ url: `/papers/date/${CACHED_DAY}` }),
        ]) {
          assert.equal(res.statusCode, 200);
          assert.doesNotMatch(res.body, /paper-thumb|with-thumb/);
        }
        assert.deepEqual(await db.db.selectFrom('paper_thumbnails').select(['paper_id', 'status']).orderBy('paper_id').execute(), rows);
      });

      test('an anonymous feed page in the page cache shows a thumbnail drawn after it was cached, on the next request', async () => {
        const thumbnails = on.deps.thumbnails;
        assert.ok(thumbnails);
        // A paper on no feed drawn: no cached page lists it, none is made stale.
        const version = await feedVersion(db);
        await thumbnails.askFor([UNLISTED]);
        assert.deepEqual(await thumbnails.drawDue(), { drawn: 1, failed: 0, later: 0 });
        assert.equal(await feedVersion(db), version, 'a paper on no feed bumps nothing');

        const url = `/papers/date/${CACHED_DAY}`;
        const first = await on.app.inject({ url });
        assert.equal(first.headers['x-cache'], 'miss');
        assert.deepEqual([await status(LATE), await status(LATE_TOO)], ['pending', 'pending'], 'the feed page asked for its papers');
        const cached = await on.app.inject({ url });
        assert.equal(cached.headers['x-cache'], 'hit', 'served from the cache');
        assert.doesNotMatch(cached.body, /paper-thumb/);

        assert.deepEqual(await thumbnails.drawDue(), { drawn: 2, failed: 0, later: 0 });
        const fresh = await on.app.inject({ url });
        assert.equal(fresh.headers['x-cache'], 'miss', 'rendered again');
        assert.match(fresh.body, IMG(LATE));
        assert.match(fresh.body, IMG(LATE_TOO));
        assert.equal(await feedVersion(db), version + 1, 'one bump for the run, however many it drew');
        assert.equal((await on.app.inject({ url })).headers['x-cache'], 'hit', 'and cached again');
      });

      test('a long run makes cached pages stale at most every 30 s, and once at its end', async () => {
        // Each PDF takes 20 s to come (the clock moves as it is served).
        let clock = Date.parse('2026-03-10T12:00:00Z');
        const slow = await servePdfs(() => {
          clock += 20_000;
          return false;
        });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-thumb-cards-'));
        dirs.push(dir);
        try {
          const client = createPoliteHttp({ userAgent: 'Paperboy/test', intervalMs: 0, timeoutMs: 5000, maxRetries: 0, backoffMs: 1 });
          const thumbnails = createThumbnails(db.db, client, { pdfUrl: slow.url, dir }, () => clock);
          await thumbnails.askFor(BATCH);
          const version = await feedVersion(db);
          assert.deepEqual(await thumbnails.drawDue(), { drawn: 3, failed: 0, later: 0 });
          assert.equal(await feedVersion(db), version + 2, 'once 30 s had passed (after the second, 40 s in), then at the end');
        } finally {
          await slow.close();
        }
      });
    });
  }
});
