import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { addPapers } from '../digest/fixtures.js';
import { createPaperStore } from '../papers/store.js';
import { buildPaper } from '../papers/paper.js';
import { createAuthorIndex, type AuthorIndex } from './author-index.js';
import { createFollows, FollowError, type Follows } from './follows.js';
import { createCommunity } from '../community/community.js';
import { loadConfig } from '../config.js';

// The author index and following on both dialects: one key per way of writing a name, filled from
// the papers' change feed (the backfill of papers that were there first, new imports, changed
// author lists, deletes); follows private to each member; the following list newest first with
// each paper once.

const ids = (papers: { id: string }[]) => papers.map((p) => p.id);

for (const dialect of DIALECTS) {
  describe(`[${dialect}] authors and following`, () => {
    let db: TestDatabase;
    let authors: AuthorIndex;
    let follows: Follows;
    let searched: string[];
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      authors = createAuthorIndex(db);
      searched = [];
      follows = createFollows({
        database: db,
        authors,
        // A stand-in search: the papers whose title has the query's first word.
        search: async (q, limit) => {
          searched.push(q);
          const word = q.split(' ')[0].toLowerCase();
          const rows = await createPaperStore(db).listNewest({ limit: 100 });
          return rows.filter((p) => p.title.toLowerCase().includes(word)).slice(0, limit);
        },
        now: () => new Date('2026-03-12T00:00:00Z'),
      });
      await addPapers(db, [
        { id: '2603.00001', day: '2026-03-02', authors: ['J. R. R. Tolkien', 'C. S. Lewis'], categories: ['cs.CL'], title: 'Elvish morphology' },
        { id: '2603.00002', day: '2026-03-04', authors: ['J.R.R. Tolkien'], categories: ['math.AG'], title: 'Rings of power series' },
        { id: '2603.00003', day: '2026-03-06', authors: ['jrr tolkien', 'José Müller'], categories: ['cs.LG'], title: 'Diffusion in Middle-earth' },
        { id: '2603.00004', day: '2026-03-08', authors: ['John R. R. Tolkien'], categories: ['cs.CL'], title: 'Not the same author' },
        { id: '2603.00005', day: '2026-03-09', authors: ['Jose Muller'], categories: ['cs.CL'], title: 'Diffusion language models' },
      ]);
    });
    afterEach(async () => {
      await db.destroy();
    });

    test('the first catch-up fills the index for the papers already there (the backfill); the spellings of a name are one author, newest first, paged', async () => {
      assert.deepEqual((await authors.papers('jrr tolkien', { offset: 0, limit: 10 })).papers, [], 'empty before the backfill');
      assert.equal(await authors.catchUp(), 5);
      assert.equal(await authors.catchUp(), 0, 'caught up: nothing read again');
      const all = await authors.papers('jrr tolkien', { offset: 0, limit: 10 });
      assert.deepEqual(ids(all.papers), ['2603.00003', '2603.00002', '2603.00001']);
      assert.equal(all.hasMore, false);
      const first = await authors.papers('jrr tolkien', { offset: 0, limit: 2 });
      assert.deepEqual(ids(first.papers), ['2603.00003', '2603.00002']);
      assert.equal(first.hasMore, true);
      assert.deepEqual(ids((await authors.papers('jrr tolkien', { offset: 2, limit: 2 })).papers), ['2603.00001']);
      assert.deepEqual(ids((await authors.papers('jose muller', { offset: 0, limit: 10 })).papers), ['2603.00005', '2603.00003']);
      assert.deepEqual(ids((await authors.papers('john rr tolkien', { offset: 0, limit: 10 })).papers), ['2603.00004']);
    });

    test('new papers, changed author lists and deleted papers reach the index through the change feed', async () => {
      await authors.catchUp();
      const store = createPaperStore(db);
      await store.upsertMany([
        buildPaper({ id: '2603.00010', authors: ['Tolkien, J. R. R.'], publishedAt: '2026-03-10T12:00:00.000Z', updatedAt: '2026-03-10T12:00:00.000Z' }),
        // 2603.00002 gets a new version that names another author
        buildPaper({
          id: '2603.00002',
          version: 2,
          authors: ['C. S. Lewis'],
          title: 'Rings of power series',
          publishedAt: '2026-03-04T17:00:00.000Z',
          updatedAt: '2026-03-11T12:00:00.000Z',
        }),
      ]);
      assert.equal(await authors.freshen(), true, 'a small backlog is read by the lookup itself');
      assert.deepEqual(ids((await authors.papers('jrr tolkien', { offset: 0, limit: 10 })).papers), ['2603.00010', '2603.00003', '2603.00001']);
      assert.deepEqual(ids((await authors.papers('cs lewis', { offset: 0, limit: 10 })).papers), ['2603.00002', '2603.00001']);
      await db.db.deleteFrom('papers').where('id', '=', '2603.00003').execute();
      await authors.catchUp();
      assert.deepEqual(ids((await authors.papers('jrr tolkien', { offset: 0, limit: 10 })).papers), ['2603.00010', '2603.00001']);
      const keys = await db.db.selectFrom('author_keys').select('key').where('paper_id', '=', '2603.00003').execute();
      assert.deepEqual(keys, []);
    });

    test('follow and unfollow: idempotent, private to each member, bad input refused with a reason', async () => {
      const community = createCommunity(db, createPaperStore(db), loadConfig({ LOG_LEVEL: 'silent' }));
      const ada = await community.accounts.createUser({ email: 'ada@example.org', username: 'ada' });
      const bob = await community.accounts.createUser({ email: 'bob@example.org', username: 'bob' });
      await follows.follow(ada.id, 'author', 'J. R. R. Tolkien');
      await follows.follow(ada.id, 'author', 'jrr tolkien'); // the same author: no second follow
      await follows.follow(ada.id, 'member', 'bob');
      await follows.follow(ada.id, 'category', 'cs.CL');
      await follows.follow(ada.id, 'search', '  diffusion   models ');
      const mine = await follows.list(ada.id);
      assert.deepEqual(mine.map((f) => [f.kind, f.value, f.label]).sort(), [
        ['author', 'jrr tolkien', 'J. R. R. Tolkien'],
        ['category', 'cs.CL', 'cs.CL'],
        ['member', 'bob', 'bob'],
        ['search', 'diffusion models', 'diffusion models'],
      ]);
      assert.deepEqual(await follows.list(bob.id), [], "bob sees none of ada's follows");
      assert.equal(await follows.isFollowing(ada.id, 'author', 'J.R.R. Tolkien'), true);
      assert.equal(await follows.isFollowing(bob.id, 'author', 'J.R.R. Tolkien'), false);
      assert.equal(await follows.unfollow(bob.id, 'author', 'jrr tolkien'), false, "bob cannot take ada's follow away");
      assert.equal(await follows.unfollow(ada.id, 'author', 'Tolkien, J.R.R.'), true);
      assert.equal(await follows.unfollow(ada.id, 'author', 'Tolkien, J.R.R.'), false);
      assert.equal((await follows.list(ada.id)).length, 3);
      for (const [kind, value, message] of [
        ['person', 'x', /not a kind to follow/],
        ['author', '   ', /empty value/],
        ['author', '...', /not an author name/],
        ['member', 'nobody', /no member called nobody/],
        ['category', 'not a category!', /not an arXiv category/],
        ['search', 'x'.repeat(300), /at most 250/],
      ] as const) {
        await assert.rejects(follows.follow(ada.id, kind, value), (e: unknown) => e instanceof FollowError && e.status === 400 && message.test(e.message));
      }
    });

    test('the following list: what every follow brings, newest first, each paper once with all its reasons', async () => {
      const community = createCommunity(db, createPaperStore(db), loadConfig({ LOG_LEVEL: 'silent' }));
      const ada = await community.accounts.createUser({ email: 'ada@example.org', username: 'ada' });
      const bob = await community.accounts.createUser({ email: 'bob@example.org', username: 'bob' });
      // bob submitted 2603.00001 on March 11th: it comes by him at that time, and by Tolkien
      await db.db
        .insertInto('submissions')
        .values({ paper_id: '2603.00001', feed_day: '2026-03-11', submitted_by: bob.id, submitted_at: '2026-03-11T15:00:00.000Z' })
        .execute();
      assert.deepEqual((await follows.following(ada.id, { offset: 0, limit: 10 })).items, [], 'nothing followed, nothing listed');
      await follows.follow(ada.id, 'author', 'J. R. R. Tolkien');
      await follows.follow(ada.id, 'member', 'bob');
      await follows.follow(ada.id, 'category', 'cs.CL');
      await follows.follow(ada.id, 'search', 'diffusion');
      const page = await follows.following(ada.id, { offset: 0, limit: 10 });
      assert.deepEqual(ids(page.items.map((i) => i.paper)), ['2603.00001', '2603.00005', '2603.00004', '2603.00003', '2603.00002']);
      assert.equal(new Set(ids(page.items.map((i) => i.paper))).size, page.items.length, 'never the same paper twice');
      const first = page.items[0];
      assert.equal(first.at, '2026-03-11T15:00:00.000Z', "bob's submission time");
      assert.equal(first.submittedBy, 'bob');
      assert.deepEqual(first.via.sort(), ['@bob', 'J. R. R. Tolkien', 'cs.CL'].sort());
      assert.deepEqual(page.items.find((i) => i.paper.id === '2603.00005')?.via.sort(), ['cs.CL', '“diffusion”'].sort());
      assert.deepEqual(searched, ['diffusion']);
      // paged, and bounded by a period (as the digest asks)
      const second = await follows.following(ada.id, { offset: 2, limit: 2 });
      assert.deepEqual(ids(second.items.map((i) => i.paper)), ['2603.00004', '2603.00003']);
      assert.equal(second.hasMore, true);
      const period = await follows.following(ada.id, { offset: 0, limit: 10, since: '2026-03-05T00:00:00.000Z', until: '2026-03-09T00:00:00.000Z' });
      assert.deepEqual(ids(period.items.map((i) => i.paper)), ['2603.00004', '2603.00003']);
      assert.deepEqual((await follows.following(bob.id, { offset: 0, limit: 10 })).items, [], "ada's follows bring bob nothing");
      // A large category is read down the date index instead: the same list.
      const large = createFollows({ database: db, authors, search: async () => [], smallCategory: 0 });
      await large.unfollow(ada.id, 'search', 'diffusion');
      const byDate = await large.following(ada.id, { offset: 0, limit: 10 });
      assert.deepEqual(ids(byDate.items.map((i) => i.paper)), ['2603.00001', '2603.00005', '2603.00004', '2603.00003', '2603.00002']);
      assert.deepEqual(
        ids(
          (await large.following(ada.id, { offset: 0, limit: 10, since: '2026-03-05T00:00:00.000Z', until: '2026-03-09T00:00:00.000Z' })).items.map(
            (i) => i.paper,
          ),
        ),
        ['2603.00004', '2603.00003'],
      );
    });
  });
}
