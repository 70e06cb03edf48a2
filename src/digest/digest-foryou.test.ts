import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../testing/test-app.js';
import { createPaperStore } from '../papers/store.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { digestTestConfig } from '../testing/digest-config.js';
import { startTestSmtp, type TestSmtp } from '../testing/smtp.js';
import { FOR_YOU_PAPERS } from '../testing/foryou-fixtures.js';
import { addPapers } from './fixtures.js';
import type { DigestService } from './service.js';
import type { AppDeps } from '../web/deps.js';

// A member's digest leads with their own For-you section (top N of the period's new papers by their
// ranking, N on the manage page), never repeats a paper already sent to them, and a digest run twice
// sends once. An address that is no member's gets no such section.

for (const dialect of DIALECTS) {
  describe(`[${dialect}] digest: For you`, () => {
    let db: TestDatabase;
    let smtp: TestSmtp;
    let app: FastifyInstance;
    let deps: AppDeps;
    let digest: DigestService;
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      smtp = await startTestSmtp();
      await addPapers(db, [...FOR_YOU_PAPERS, { id: '2603.00209', day: '2026-03-10', title: 'Community pick', submitted: { day: '2026-03-10', upvotes: 9 } }]);
      const config = digestTestConfig(db, smtp);
      ({ app, deps } = await buildTestApp({ config, database: db, papers: createPaperStore(db) }));
      digest = deps.digests;
    });
    afterEach(async () => {
      await app.close();
      await smtp.close();
      await db.destroy();
    });

    test('top N for the member, never a paper sent before, once per period; none for an address that is no member', async () => {
      const ada = await deps.community.accounts.createUser({ email: 'ada@example.test', username: 'ada' });
      await deps.recommend.importLibrary(ada.id, '2603.00101 2603.00102', 'ids');
      const s = await digest.subscriptions.createConfirmed('ada@example.test', { trendingCount: 1 });
      assert.equal(s.forYouCount, 5, 'the default N');
      await digest.subscriptions.setPreferences(s.id, { forYouCount: 2 });
      await digest.subscriptions.createConfirmed('bob@example.test', { trendingCount: 1 });

      // Tuesday 2026-03-10's daily digest goes out on Wednesday.
      const first = await digest.sender.send({ sendDate: '2026-03-11' });
      assert.equal(first.sent, 2);
      const mails = await smtp.waitFor(2);
      const adaMail = mails.find((m) => (m.to as { text: string }).text === 'ada@example.test')!;
      const bobMail = mails.find((m) => (m.to as { text: string }).text === 'bob@example.test')!;
      const text = adaMail.text ?? '';
      assert.match(text, /^For you\n=+/m);
      assert.ok(text.indexOf('For you') < text.indexOf('Trending papers'), 'the member section leads');
      const section = text.slice(text.indexOf('For you'), text.indexOf('Trending papers'));
      const sentFirst = [...section.matchAll(/\/papers\/(2603\.\d{5})/g)].map((m) => m[1]);
      assert.deepEqual(sentFirst.sort(), ['2603.00201', '2603.00203']);
      assert.match(section, /like "Graph neural networks for molecule property prediction" you imported/);
      assert.match(adaMail.html as string, /you imported/);
      assert.doesNotMatch(bobMail.text ?? '', /For you/);

      // The same digest again: nothing more is sent.
      const again = await digest.sender.send({ sendDate: '2026-03-11' });
      assert.equal(again.sent, 0);
      assert.equal(smtp.messages.length, 2);

      // A weekly digest over the same days (Thursday's: Thursday to Wednesday): the next best, none sent before.
      await digest.subscriptions.setPreferences(s.id, { frequency: 'weekly', weekday: 4, forYouCount: 2 });
      const weekly = await digest.sender.send({ sendDate: '2026-03-12', to: 'ada@example.test' });
      assert.equal(weekly.sent, 1);
      const [weeklyMail] = (await smtp.waitFor(3)).slice(2);
      const wtext = weeklyMail.text ?? '';
      const wsection = wtext.slice(wtext.indexOf('For you'), wtext.indexOf('--'));
      const sentSecond = [...wsection.matchAll(/\/papers\/(2603\.\d{5})/g)].map((m) => m[1]);
      assert.equal(new Set(sentSecond).size, sentSecond.length);
      assert.ok(sentSecond.length >= 2);
      for (const id of sentFirst) assert.ok(!sentSecond.includes(id), `${id} was sent before`);
      for (const id of ['2603.00101', '2603.00102']) assert.ok(!sentSecond.includes(id), `${id} is the member's own`);
      const rows = await db.db.selectFrom('digest_sent_papers').select('paper_id').where('subscriber_id', '=', s.id).execute();
      assert.equal(rows.length, new Set(rows.map((r) => r.paper_id)).size);

      // N = 0: no section.
      await digest.subscriptions.setPreferences(s.id, { frequency: 'daily', forYouCount: 0 });
      const none = await digest.sender.preview('ada@example.test', '2026-03-11');
      assert.ok(!none.content.sections.some((x) => x.title === 'For you'));
    });
  });
}
