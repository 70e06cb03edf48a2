import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { createPaperStore } from '../papers/store.js';
import { loadConfig } from '../config.js';
import { createCommunity, type Community } from '../community/community.js';
import { addPapers } from '../digest/fixtures.js';
import { createRecommender } from './recommender.js';
import { createRecommendService, type RecommendService } from './service.js';
import { SignalError } from './signals.js';
import { FOR_YOU_PAPERS } from '../testing/foryou-fixtures.js';

// For you on both databases: signals are the member's own and idempotent, a member's ranking of an
// announcement day (every paper published that feed day, submitted or not) follows their signals,
// imports report what they could not match, rank refuses unknown ids.

for (const dialect of DIALECTS) {
  describe(`[${dialect}] for you: signals, ranking, import`, () => {
    let db: TestDatabase;
    let c: Community;
    let r: RecommendService;
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      await addPapers(db, FOR_YOU_PAPERS);
      const papers = createPaperStore(db);
      c = createCommunity(db, papers, loadConfig({}), { now: () => new Date('2026-03-11T02:30:00.000Z') });
      r = createRecommendService({ database: db, papers, recommender: createRecommender(db, papers, () => null), timeZone: 'America/New_York' });
    });
    afterEach(() => db.destroy());

    const member = (username: string) => c.accounts.createUser({ email: `${username}@example.org`, username });

    test('signals are idempotent, the member own, and saving takes back a dismissal', async () => {
      const ada = await member('ada');
      const bob = await member('bob');
      assert.equal(await r.signals.set(ada.id, '2603.00101', 'save', true), true);
      await r.signals.set(ada.id, '2603.00101', 'save', true);
      await r.signals.set(ada.id, '2603.00202', 'dismiss', true);
      await c.votes.upvote(ada.id, '2603.00102');
      await r.signals.addImports(ada.id, ['2603.00103', '2603.00103']);
      assert.deepEqual(await r.signals.of(ada.id), {
        liked: [
          { id: '2603.00101', why: 'saved' },
          { id: '2603.00102', why: 'upvoted' },
          { id: '2603.00103', why: 'imported' },
        ].sort((a, b) => a.id.localeCompare(b.id)),
        dismissed: ['2603.00202'],
      });
      assert.equal((await db.db.selectFrom('reader_signals').selectAll().where('user_id', '=', ada.id).execute()).length, 3);
      // another member sees none of it
      assert.deepEqual(await r.signals.of(bob.id), { liked: [], dismissed: [] });
      assert.deepEqual(await r.signals.among(bob.id, ['2603.00101', '2603.00202']), { saved: new Set(), dismissed: new Set() });
      // saving a dismissed paper takes the dismissal back, and the other way round
      await r.signals.set(ada.id, '2603.00202', 'save', true);
      assert.deepEqual(await r.signals.among(ada.id, ['2603.00202']), { saved: new Set(['2603.00202']), dismissed: new Set() });
      await r.signals.set(ada.id, '2603.00202', 'dismiss', true);
      assert.deepEqual(await r.signals.among(ada.id, ['2603.00202']), { saved: new Set(), dismissed: new Set(['2603.00202']) });
      await r.signals.set(ada.id, '2603.00202', 'dismiss', false);
      await r.signals.set(ada.id, '2603.00202', 'dismiss', false);
      assert.deepEqual((await r.signals.of(ada.id)).dismissed, []);
      await assert.rejects(r.signals.set(ada.id, '2603.99999', 'save', true), (e: unknown) => e instanceof SignalError && e.status === 404);
      // An account removed takes its signals with it (no deletion command exists yet; the rows cascade).
      await db.db.deleteFrom('users').where('id', '=', ada.id).execute();
      assert.equal((await db.db.selectFrom('reader_signals').selectAll().where('user_id', '=', ada.id).execute()).length, 0);
    });

    test('for you ranks the newest day for the member, leaves out dismissed papers, and earlier days are reachable', async () => {
      const ada = await member('ada');
      await r.warm();
      const cold = await r.forYou(ada.id, { offset: 0, limit: 50 });
      assert.equal(cold.day, '2026-03-10');
      assert.equal(cold.cold, true);
      assert.equal(cold.total, 4, 'every paper of the day, none of them submitted');
      await r.signals.addImports(ada.id, ['2603.00101']);
      let page = await r.forYou(ada.id, { offset: 0, limit: 50 });
      assert.equal(page.cold, false);
      assert.equal(page.previous, '2026-03-09');
      assert.equal(page.next, null);
      assert.equal(page.items[0].id, '2603.00201');
      assert.equal(page.items[0].reason, 'like "Graph neural networks for molecule property prediction" you imported');
      assert.equal(page.items.length, 4);
      // a saved paper on another topic changes the ranking within the next request
      await r.signals.set(ada.id, '2603.00103', 'save', true);
      await r.signals.set(ada.id, '2603.00201', 'dismiss', true);
      page = await r.forYou(ada.id, { offset: 0, limit: 50 });
      assert.equal(page.items.length, 3);
      assert.equal(page.items[0].id, '2603.00202');
      assert.match(page.items[0].reason ?? '', /you saved$/);
      assert.ok(!page.items.some((i) => i.id === '2603.00201'), 'dismissed: gone');
      // paging and an earlier day
      const second = await r.forYou(ada.id, { offset: 1, limit: 1 });
      assert.equal(second.items.length, 1);
      assert.equal(second.items[0].id, page.items[1].id);
      const earlier = await r.forYou(ada.id, { day: '2026-03-09', offset: 0, limit: 50 });
      assert.deepEqual(
        earlier.items.map((i) => i.id),
        ['2603.00102'],
      );
      assert.equal(earlier.next, '2026-03-10');
    });

    test('rank: any known papers best first with scores; unknown ids and too many ids are refused', async () => {
      const ada = await member('ada');
      await r.signals.set(ada.id, '2603.00102', 'save', true);
      const ranked = await r.rank(ada.id, ['2603.00204', '2603.00203', '2603.00102', '2603.00201']);
      assert.equal(ranked.length, 4, 'a list asked for is ranked whole, the saved paper too');
      assert.equal(ranked[0].id, '2603.00102');
      assert.equal(ranked[1].id, '2603.00203');
      assert.ok(ranked.every((x, i) => i === 0 || ranked[i - 1].score >= x.score));
      await assert.rejects(
        r.rank(ada.id, ['2603.00204', '2699.00001', 'nonsense']),
        (e: unknown) => e instanceof SignalError && e.status === 400 && /2699\.00001, nonsense/.test(e.message),
      );
      await assert.rejects(
        r.rank(
          ada.id,
          Array.from({ length: 1001 }, () => '2603.00204'),
        ),
        (e: unknown) => e instanceof SignalError && e.status === 400 && /at most 1000/.test(e.message),
      );
    });

    test('import: ids and URLs, unknown ones reported; BibTeX by eprint, URL, DOI and exact title, broken entries named', async () => {
      const ada = await member('ada');
      const ids = await r.importLibrary(ada.id, 'https://arxiv.org/abs/2603.00101v2\n2603.00102  arXiv:2603.00101\n2699.12345\nhello', 'ids');
      assert.deepEqual(ids.imported, ['2603.00101', '2603.00102']);
      assert.deepEqual(ids.unknown, ['2699.12345', 'hello']);
      assert.deepEqual(
        ids.problems.map((p) => p.line),
        [3, 4],
      );
      const bib = [
        '@article{byEprint, title={Whatever}, eprint={2603.00201}, archivePrefix={arXiv}}',
        '@misc{byUrl,',
        '  title = {Something},',
        '  url = {https://arxiv.org/abs/2603.00202v1}',
        '}',
        '@article{broken, title = {Unclosed {brace}, year = 2026',
        '@article{byDoi, title = "Other", doi = {10.1103/physrevd.1.2}}',
        '@inproceedings{byTitle, title = {Protein {Design} by diffusion over   structures}, year = 2026}',
        '@article{noComma title = {x}}',
        '@article{nowhere, title = {A paper this instance lacks}, eprint = {2612.00002}}',
        '@comment{ignored}',
      ].join('\n');
      const res = await r.importLibrary(ada.id, bib, 'bibtex');
      assert.deepEqual(res.imported.sort(), ['2603.00103', '2603.00201', '2603.00202', '2603.00203']);
      assert.deepEqual(res.unknown, ['broken', 'noComma', 'nowhere']);
      assert.match(res.problems[0].reason, /broken entry/);
      assert.equal(res.problems[0].line, 6);
      assert.match(res.problems[2].reason, /2612\.00002 is not in this instance/);
      const liked = (await r.signals.of(ada.id)).liked.map((l) => l.id);
      assert.equal(liked.length, 6);
      // imports are idempotent
      await r.importLibrary(ada.id, bib, 'bibtex');
      assert.equal((await r.signals.of(ada.id)).liked.length, 6);
    });
  });
}
