import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { addSubmission, addUser } from '../testing/feed-fixtures.js';
import { createPaperStore } from '../papers/store.js';
import { buildPaper } from '../papers/paper.js';
import { adjacentFeedDays, feedDayRange, latestFeedDay, listDailyPapers } from './daily.js';
import { parseDay, parseMonth, parseWeek } from './period.js';

const ids = (page: { entries: { paper: { id: string } }[] }) => page.entries.map((e) => e.paper.id);

for (const dialect of DIALECTS) {
  describe(`listDailyPapers on ${dialect}`, () => {
    let db: TestDatabase;
    let alice: number;
    let bob: number;
    before(async () => {
      db = await freshDatabase(dialect);
      const papers = createPaperStore(db);
      const mk = (n: number, categories = ['cs.CL']) =>
        buildPaper({
          id: `2605.${String(n).padStart(5, '0')}`,
          title: `Paper ${n}`,
          categories,
          publishedAt: '2026-05-20T00:00:00.000Z',
          updatedAt: '2026-05-20T00:00:00.000Z',
        });
      await papers.upsertMany([mk(1), mk(2, ['cs.LG', 'cs.CL']), mk(3, ['cs.LG']), mk(4), mk(5), mk(6), mk(7), mk(8)]);
      alice = await addUser(db, 'alice', 'Alice A.');
      bob = await addUser(db, 'bob');
      // Friday 2026-05-29: 2 and 3 tie on votes, 2 was submitted first.
      await addSubmission(db, { paperId: '2605.00001', feedDay: '2026-05-29', submittedBy: alice, upvotes: 3, submittedAt: '2026-05-29T10:00:00.000Z' });
      await addSubmission(db, {
        paperId: '2605.00002',
        feedDay: '2026-05-29',
        submittedBy: bob,
        upvotes: 7,
        submittedAt: '2026-05-29T11:00:00.000Z',
        githubRepo: 'https://github.com/a/b',
      });
      await addSubmission(db, {
        paperId: '2605.00003',
        feedDay: '2026-05-29',
        submittedBy: alice,
        upvotes: 7,
        submittedAt: '2026-05-29T12:00:00.000Z',
        commentsCount: 2,
      });
      await addSubmission(db, { paperId: '2605.00004', feedDay: '2026-05-29', submittedBy: bob, upvotes: 50, hidden: true });
      // Thursday 2026-05-28 and the previous week's Friday 2026-05-22; nothing on the weekend.
      await addSubmission(db, { paperId: '2605.00005', feedDay: '2026-05-28', submittedBy: bob, upvotes: 1 });
      await addSubmission(db, { paperId: '2605.00006', feedDay: '2026-05-22', submittedBy: alice, upvotes: 40 });
      await addSubmission(db, { paperId: '2605.00007', feedDay: '2026-04-30', submittedBy: null, upvotes: 2 });
      await db.db.insertInto('upvotes').values({ paper_id: '2605.00003', user_id: bob, created_at: '2026-05-29T13:00:00.000Z' }).execute();
    });
    after(() => db.destroy());

    test('a day: most upvoted first, then earliest submitted; hidden ones left out', async () => {
      const day = await listDailyPapers(db, { period: parseDay('2026-05-29'), limit: 50 });
      assert.deepEqual(ids(day), ['2605.00002', '2605.00003', '2605.00001']);
      const [first, second] = day.entries;
      assert.equal(first.upvotes, 7);
      assert.deepEqual(first.submitter, { id: bob, username: 'bob', displayName: null });
      assert.equal(first.githubRepo, 'https://github.com/a/b');
      assert.equal(second.commentsCount, 2);
      assert.equal(second.submitter?.displayName, 'Alice A.');
      assert.equal(first.paper.title, 'Paper 2');
      assert.equal(day.hasMore, false);
    });

    test('weeks and months: newest day first; empty periods are empty', async () => {
      assert.deepEqual(ids(await listDailyPapers(db, { period: parseWeek('2026-W22'), limit: 50 })), ['2605.00002', '2605.00003', '2605.00001', '2605.00005']);
      assert.deepEqual(ids(await listDailyPapers(db, { period: parseMonth('2026-04'), limit: 50 })), ['2605.00007']);
      assert.deepEqual(ids(await listDailyPapers(db, { period: parseDay('2026-05-30'), limit: 50 })), []);
    });

    test("category (any of the paper's categories) and submitter filters", async () => {
      assert.deepEqual(ids(await listDailyPapers(db, { period: parseDay('2026-05-29'), category: 'cs.LG', limit: 50 })), ['2605.00002', '2605.00003']);
      assert.deepEqual(ids(await listDailyPapers(db, { submitter: 'alice', limit: 50 })), ['2605.00003', '2605.00001', '2605.00006']);
      assert.deepEqual(ids(await listDailyPapers(db, { submitter: 'nobody', limit: 50 })), []);
    });

    test('trending orders by stored hotness', async () => {
      const t = await listDailyPapers(db, { sort: 'trending', limit: 50 });
      const hot = t.entries.map((e) => e.hotness);
      assert.deepEqual(
        hot,
        [...hot].sort((a, b) => b - a),
      );
      // 40 votes a week earlier loses to 7 votes on the last day: 22 hours cancel a tenfold lead.
      assert.ok(ids(t).indexOf('2605.00002') < ids(t).indexOf('2605.00006'));
    });

    test('pages do not overlap and say when more follow', async () => {
      const p0 = await listDailyPapers(db, { limit: 2, page: 0 });
      const p1 = await listDailyPapers(db, { limit: 2, page: 1 });
      const p2 = await listDailyPapers(db, { limit: 2, page: 2 });
      assert.equal(p0.hasMore, true);
      assert.equal(p2.hasMore, false);
      assert.deepEqual([...ids(p0), ...ids(p1), ...ids(p2)], ['2605.00002', '2605.00003', '2605.00001', '2605.00005', '2605.00006', '2605.00007']);
      await assert.rejects(listDailyPapers(db, { limit: 101 }), /feed: limit/);
    });

    test('the viewer sees their own upvotes', async () => {
      const day = await listDailyPapers(db, { period: parseDay('2026-05-29'), limit: 50, viewerId: bob });
      assert.deepEqual(
        day.entries.filter((e) => e.viewerUpvoted).map((e) => e.paper.id),
        ['2605.00003'],
      );
    });

    test('latest day, neighbouring days and range skip empty days', async () => {
      assert.equal(await latestFeedDay(db), '2026-05-29');
      assert.deepEqual(await adjacentFeedDays(db, '2026-05-28'), { previous: '2026-05-22', next: '2026-05-29' });
      assert.deepEqual(await adjacentFeedDays(db, '2026-05-29'), { previous: '2026-05-28', next: null });
      assert.deepEqual(await feedDayRange(db), { first: '2026-04-30', last: '2026-05-29' });
    });
  });
}
