import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../testing/test-app.js';
import { createPaperStore } from '../papers/store.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { digestTestConfig } from '../testing/digest-config.js';
import { startTestSmtp, type TestSmtp } from '../testing/smtp.js';
import { addPapers } from './fixtures.js';
import type { AppDeps } from '../web/deps.js';

// A member's digest has a Following section (what their follows brought in the period) that never
// repeats a paper: not one sent in an earlier digest, not one in another section of this one.

const idsIn = (text: string) => [...text.matchAll(/\/papers\/(2603\.\d{5})/g)].map((m) => m[1]);

for (const dialect of DIALECTS) {
  describe(`[${dialect}] digest: Following`, () => {
    let db: TestDatabase;
    let smtp: TestSmtp;
    let app: FastifyInstance;
    let deps: AppDeps;
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      smtp = await startTestSmtp();
      await addPapers(db, [
        { id: '2603.00301', day: '2026-03-09', authors: ['Ada Lovelace'], title: 'Engines, the day before' },
        { id: '2603.00302', day: '2026-03-10', authors: ['ADA LOVELACE'], title: 'Analytical engines' },
        {
          id: '2603.00303',
          day: '2026-03-10',
          authors: ['Ada Lovelace', 'C. Babbage'],
          title: 'Difference engines',
          submitted: { day: '2026-03-10', upvotes: 5 },
        },
        { id: '2603.00304', day: '2026-03-10', authors: ['Someone Else'], categories: ['math.HO'], title: 'A history of engines' },
        { id: '2603.00305', day: '2026-03-11', authors: ['Ada Lovelace'], title: 'Engines, the day after' },
        { id: '2603.00306', day: '2026-03-10', authors: ['Not Followed'], title: 'The community pick', submitted: { day: '2026-03-10', upvotes: 9 } },
      ]);
      const config = digestTestConfig(db, smtp);
      ({ app, deps } = await buildTestApp({ config, database: db, papers: createPaperStore(db) }));
    });
    afterEach(async () => {
      await app.close();
      await smtp.close();
      await db.destroy();
    });

    test("the period's papers from what the member follows, once, never one sent before; none for an address that is no member", async () => {
      const { digests, follows, community } = deps;
      const ada = await community.accounts.createUser({ email: 'ada@example.test', username: 'ada' });
      await follows.follow(ada.id, 'author', 'Ada Lovelace');
      await follows.follow(ada.id, 'category', 'math.HO');
      await digests.subscriptions.createConfirmed('ada@example.test', { trendingCount: 1 });
      await digests.subscriptions.createConfirmed('bob@example.test', { trendingCount: 1 });
      await deps.authors.catchUp();

      // Tuesday 2026-03-10's daily digest goes out on Wednesday.
      assert.equal((await digests.sender.send({ sendDate: '2026-03-11' })).sent, 2);
      const mails = await smtp.waitFor(2);
      const adaMail = mails.find((m) => (m.to as { text: string }).text === 'ada@example.test')!;
      const bobMail = mails.find((m) => (m.to as { text: string }).text === 'bob@example.test')!;
      const text = adaMail.text ?? '';
      assert.match(text, /^Following\n=+/m);
      const following = text.slice(text.indexOf('Following\n'), text.indexOf('Trending papers'));
      // 2603.00303 is also submitted (5 upvotes): Following comes first, so Trending shows the next one.
      assert.deepEqual(idsIn(following).sort(), ['2603.00302', '2603.00303', '2603.00304']);
      assert.match(following, /Following: Ada Lovelace/);
      assert.match(following, /Following: math\.HO/);
      assert.deepEqual(idsIn(text.slice(text.indexOf('Trending papers'), text.indexOf('--'))), ['2603.00306']);
      const all = idsIn(text.slice(0, text.indexOf('--')));
      assert.equal(new Set(all).size, all.length, 'no paper twice in one digest');
      assert.doesNotMatch(bobMail.text ?? '', /^Following$/m);

      // A weekly digest over the same days: the papers sent already do not come back.
      const s = await digests.subscriptions.getByEmail('ada@example.test');
      await digests.subscriptions.setPreferences(s!.id, { frequency: 'weekly', weekday: 4 });
      assert.equal((await digests.sender.send({ sendDate: '2026-03-12', to: 'ada@example.test' })).sent, 1);
      const weekly = (await smtp.waitFor(3))[2].text ?? '';
      const again = idsIn(weekly.slice(0, weekly.indexOf('--')));
      for (const id of ['2603.00302', '2603.00303', '2603.00304']) assert.ok(!again.includes(id), `${id} was sent before`);
      assert.ok(again.includes('2603.00301') || again.includes('2603.00305'), 'the new ones of the week');
      const rows = await db.db.selectFrom('digest_sent_papers').select('paper_id').where('subscriber_id', '=', s!.id).execute();
      assert.equal(rows.length, new Set(rows.map((r) => r.paper_id)).size);
    });
  });
}
