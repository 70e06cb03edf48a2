import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../testing/test-app.js';
import { loadConfig } from '../config.js';
import { freshDatabase, type TestDatabase } from '../testing/databases.js';
import { addPapers } from '../digest/fixtures.js';
import { launchChromium, screenshotPath, seriousAxeViolations, signedInPage } from '../testing/browser.js';

// Authors and following in real Chromium, as a reader tries them: click an author's name on a card,
// follow the author without a reload, follow a category from its feed, then the following page.
// Screenshots of the author and following pages, light and dark, for a person to look at; axe finds
// no serious or critical violation.

describe('Authors and following in Chromium', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let address: string;
  let session: string;

  before(async () => {
    db = await freshDatabase('sqlite');
    await addPapers(db, [
      {
        id: '2603.00401',
        day: '2026-03-02',
        authors: ['Ada Lovelace', 'Charles Babbage'],
        categories: ['cs.LG'],
        title: 'Notes on the analytical engine',
        abstract: 'A translation of a memoir on the analytical engine, with notes on programming it.',
      },
      {
        id: '2603.00402',
        day: '2026-03-05',
        authors: ['ADA LOVELACE', 'Mary Somerville'],
        categories: ['math.HO'],
        title: 'Bernoulli numbers by machine',
        abstract: 'An algorithm for the analytical engine that computes the Bernoulli numbers.',
        submitted: { day: '2026-03-05', upvotes: 4 },
      },
      {
        id: '2603.00403',
        day: '2026-03-09',
        authors: ['Grace Hopper'],
        categories: ['cs.CL'],
        title: 'Compilers for business languages',
        abstract: 'A compiler that translates English-like statements into machine code.',
        submitted: { day: '2026-03-09', upvotes: 7 },
      },
      {
        id: '2603.00404',
        day: '2026-03-10',
        authors: ['Alan Turing'],
        categories: ['cs.CL'],
        title: 'Computing machinery and conversation',
        abstract: 'Can machines hold a conversation? An imitation game decides.',
      },
    ]);
    const built = await buildTestApp({ config: loadConfig({ LOG_LEVEL: 'silent', SESSION_SECRET: 'browser-secret' }), database: db });
    app = built.app;
    const user = await built.deps.community.accounts.createUser({ email: 'ada@example.org', username: 'reader' });
    session = (await built.deps.community.accounts.createSession(user.id)).token;
    address = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
    await db.destroy();
  });

  test('from a card to the author page, follow without a reload, follow a category, the following page; light and dark', async () => {
    const browser = await launchChromium();
    try {
      const { context, page, errors } = await signedInPage(browser, address, session);

      await page.goto(`${address}/papers/trending`);
      await page.click('li[data-paper-id="2603.00402"] a.author:has-text("ADA LOVELACE")');
      await page.waitForSelector('.author-page h1');
      const ids = () => page.$$eval('li.paper-card', (lis) => lis.map((li) => li.getAttribute('data-paper-id')));
      assert.deepEqual(await ids(), ['2603.00402', '2603.00401'], 'both spellings, newest first');
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
      await page.click('form[data-follow] button:has-text("Follow")');
      await page.waitForSelector('form[data-follow].on button:has-text("Following ✓")');
      assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'no reload');
      await page.screenshot({ path: screenshotPath('author-page'), fullPage: true });

      await page.goto(`${address}/papers/trending?category=cs.CL`);
      await page.click('.follow-bar form[data-follow] button');
      await page.waitForSelector('.follow-bar form[data-follow].on');
      await page.screenshot({ path: screenshotPath('category-follow') });

      await page.goto(`${address}/following`);
      assert.deepEqual(await ids(), ['2603.00404', '2603.00403', '2603.00402', '2603.00401']);
      assert.match((await page.textContent('li[data-paper-id="2603.00402"] .reason')) ?? '', /Following: Ada Lovelace|Following: ADA LOVELACE/);
      await page.screenshot({ path: screenshotPath('following-page'), fullPage: true });
      assert.deepEqual(errors, []);

      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const path of ['/authors/Ada%20Lovelace', '/following', '/papers/trending?category=cs.CL', '/papers/2603.00402']) {
          await page.goto(`${address}${path}`);
          assert.deepEqual(await seriousAxeViolations(page), [], `${path} (${scheme})`);
        }
      }
      await page.goto(`${address}/authors/Ada%20Lovelace`);
      await page.screenshot({ path: screenshotPath('author-page-dark'), fullPage: true });
      await page.goto(`${address}/following`);
      await page.screenshot({ path: screenshotPath('following-page-dark'), fullPage: true });

      // Signed out, the author page still works; Follow asks to sign in.
      await context.clearCookies();
      await page.goto(`${address}/authors/Ada%20Lovelace`);
      await page.click('a.follow:has-text("Follow")');
      await page.waitForURL(/\/signin\?next=/);
    } finally {
      await browser.close();
    }
  });
});
