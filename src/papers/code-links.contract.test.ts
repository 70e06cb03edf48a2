import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { buildPaper } from './paper.js';
import { backfillCodeLinks, createPaperStore, type PaperStore } from './store.js';
import { listDailyPapers } from '../feed/daily.js';

// Links found in a paper's own text: stored at every write, read back as githubRepo / projectPage
// unless a member set theirs, filtered on (hasCode), and filled in for papers stored before.
for (const dialect of DIALECTS) {
  describe(`code links in the store [${dialect}]`, () => {
    let db: TestDatabase;
    let store: PaperStore;
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      store = createPaperStore(db);
    });
    afterEach(async () => db.destroy());

    const withCode = buildPaper({
      id: '2501.00001',
      abstract: 'We release code at https://github.com/Owner/Repo.git.',
      comments: 'Project page: https://owner.github.io/repo/ ; model https://huggingface.co/owner/model',
    });
    const without = buildPaper({ id: '2501.00002', abstract: 'Code will be released upon acceptance.' });

    test('a write stores the links found; a new version that drops them clears them; a member link wins and stays', async () => {
      await store.upsertMany([withCode, without]);
      const got = await store.get(withCode.id);
      assert.equal(got?.githubRepo, 'https://github.com/Owner/Repo');
      assert.equal(got?.projectPage, 'https://owner.github.io/repo');
      assert.deepEqual(
        got?.codeLinks?.map((l) => l.kind),
        ['github', 'page', 'huggingface'],
      );
      assert.equal((await store.get(without.id))?.githubRepo, null);

      // A member's link is shown instead, and a re-harvest with other links keeps it.
      await store.setLinks(withCode.id, { githubRepo: 'https://github.com/member/choice' });
      await store.upsertMany([{ ...withCode, version: 2, comments: 'Code: https://gitlab.com/g/p' }]);
      const edited = await store.get(withCode.id);
      assert.equal(edited?.githubRepo, 'https://github.com/member/choice');
      assert.equal(edited?.projectPage, null, 'the page found in v1 went with its comment');
      assert.deepEqual(edited?.codeLinks, [
        { url: 'https://github.com/Owner/Repo', kind: 'github' },
        { url: 'https://gitlab.com/g/p', kind: 'gitlab' },
      ]);

      await store.upsertMany([{ ...without, version: 2, abstract: 'Now at https://github.com/x/y' }]);
      assert.equal((await store.get(without.id))?.githubRepo, 'https://github.com/x/y');
    });

    test('hasCode: the newest-papers list and the daily feed keep only papers with a repository', async () => {
      await store.upsertMany([withCode, without, buildPaper({ id: '2501.00003' })]);
      await store.setLinks('2501.00003', { githubRepo: 'https://github.com/member/set' });
      assert.deepEqual(
        (await store.listNewest({ limit: 10, hasCode: true })).map((p) => p.id),
        ['2501.00003', '2501.00001'],
      );
      assert.equal((await store.listNewest({ limit: 10 })).length, 3);
      for (const [i, id] of ['2501.00001', '2501.00002', '2501.00003'].entries()) {
        await db.db
          .insertInto('submissions')
          .values({
            paper_id: id,
            feed_day: '2026-05-29',
            submitted_at: `2026-05-29T10:0${i}:00.000Z`,
            submitted_by: null,
            upvotes: 0,
            comments_count: 0,
            hotness: 0,
            hidden: 0,
          } as never)
          .execute();
      }
      const all = await listDailyPapers(db, { limit: 10 });
      assert.equal(all.entries.length, 3);
      const coded = await listDailyPapers(db, { limit: 10, hasCode: true });
      assert.deepEqual(coded.entries.map((e) => e.paper.id).sort(), ['2501.00001', '2501.00003']);
    });

    test('the backfill reads the papers stored before links were read at write time, once', async () => {
      await store.upsertMany([withCode, without]);
      // As a database migrated from before 0019 has them: nothing found yet, the backfill at the start.
      await db.db.updateTable('papers').set({ found_repo: null, found_page: null, found_links: null }).execute();
      assert.equal((await store.get(withCode.id))?.githubRepo, null);
      assert.deepEqual(await backfillCodeLinks(db.db, 1), { read: 1, found: 1, done: false });
      assert.deepEqual(await backfillCodeLinks(db.db, 1), { read: 1, found: 0, done: false });
      assert.deepEqual(await backfillCodeLinks(db.db, 1), { read: 0, found: 0, done: true });
      assert.deepEqual(await backfillCodeLinks(db.db, 1), { read: 0, found: 0, done: true });
      assert.equal((await store.get(withCode.id))?.githubRepo, 'https://github.com/Owner/Repo');
    });
  });
}
