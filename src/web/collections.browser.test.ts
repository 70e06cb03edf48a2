import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../testing/test-app.js';
import { loadConfig } from '../config.js';
import { freshDatabase, type TestDatabase } from '../testing/databases.js';
import { addPapers } from '../digest/fixtures.js';
import { FOR_YOU_PAPERS } from '../testing/foryou-fixtures.js';
import { launchChromium, screenshotPath, seriousAxeViolations, signedInPage } from '../testing/browser.js';

// Collections in real Chromium, as a member tries them: "Add to…" on a feed card into a new
// collection (no reload), a second paper into it from the same picker, the collection page, a note,
// making it public, the paper page that says where it is, light and dark; axe finds nothing serious.

describe('Collections in Chromium', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let address: string;
  let session: string;

  before(async () => {
    db = await freshDatabase('sqlite');
    await addPapers(
      db,
      FOR_YOU_PAPERS.map((p) => (p.day === '2026-03-10' ? { ...p, submitted: { day: '2026-03-10', upvotes: 2 } } : p)),
    );
    const built = await buildTestApp({ config: loadConfig({ LOG_LEVEL: 'silent', SESSION_SECRET: 'browser-secret' }), database: db });
    app = built.app;
    const user = await built.deps.community.accounts.createUser({ email: 'ada@example.org', username: 'ada' });
    session = (await built.deps.community.accounts.createSession(user.id)).token;
    address = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
    await db.destroy();
  });

  test('add from a card into a new collection without a reload, add a note, make it public, light and dark', async () => {
    const browser = await launchChromium();
    try {
      const { page, errors } = await signedInPage(browser, address, session);

      await page.goto(`${address}/papers/date/2026-03-10`);
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
      const card = (id: string) => `li[data-paper-id="${id}"]`;
      await page.click(`${card('2603.00201')} details.collect summary`);
      await page.selectOption(`${card('2603.00201')} select[name=collection]`, 'new');
      await page.fill(`${card('2603.00201')} input[name=name]`, 'Molecules');
      await page.screenshot({ path: screenshotPath('collections-add-open') });
      await page.click(`${card('2603.00201')} form[data-collect] button[type=submit]`);
      await page.waitForSelector(`${card('2603.00201')} .collect-status:has-text("Added to Molecules")`);
      // the new collection is in every other card's picker now, and chosen in this one
      await page.click(`${card('2603.00203')} details.collect summary`);
      const options = await page.$$eval(`${card('2603.00203')} select[name=collection] option`, (os) => os.map((o) => o.textContent));
      assert.deepEqual(options, ['Saved', 'Molecules', 'New collection…']);
      await page.selectOption(`${card('2603.00203')} select[name=collection]`, { label: 'Molecules' });
      await page.click(`${card('2603.00203')} form[data-collect] button[type=submit]`);
      await page.waitForSelector(`${card('2603.00203')} .collect-status:has-text("Added to Molecules")`);
      assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'no reload');
      await page.screenshot({ path: screenshotPath('collections-added'), fullPage: true });

      // the collection page: the two papers, newest added first; a note
      await page.goto(`${address}/collections`);
      await page.click('text=Molecules');
      await page.waitForSelector('h1:has-text("Molecules")');
      const ids = await page.$$eval('ol.collection li.paper-card', (lis) => lis.map((li) => li.getAttribute('data-paper-id')));
      assert.deepEqual(ids, ['2603.00203', '2603.00201']);
      await page.fill(`${card('2603.00201')} textarea[name=note]`, 'Compare the force fields with last week’s paper.');
      await page.click(`${card('2603.00201')} .note-form button`);
      await page.waitForSelector(`${card('2603.00201')} .paper-note:has-text("Compare the force fields")`);
      await page.click('summary:has-text("Settings and import")');
      await page.check('input[name=public]');
      await page.click('button:has-text("Save settings")');
      await page.waitForSelector('.collection-head:has-text("public")');
      await page.screenshot({ path: screenshotPath('collections-page'), fullPage: true });

      await page.goto(`${address}/papers/2603.00201`);
      await page.waitForSelector('.in-collections:has-text("Molecules")');
      await page.screenshot({ path: screenshotPath('collections-paper-page') });
      assert.deepEqual(errors, []);

      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const path of ['/u/ada/c/molecules', '/collections', '/papers/2603.00201', '/papers/date/2026-03-10']) {
          await page.goto(`${address}${path}`);
          // open the pickers so axe sees them too
          await page.$$eval('details.collect, details.collection-settings', (ds) => ds.forEach((d) => d.setAttribute('open', '')));
          assert.deepEqual(await seriousAxeViolations(page), [], `${path} (${scheme})`);
        }
      }
      await page.goto(`${address}/u/ada/c/molecules`);
      await page.screenshot({ path: screenshotPath('collections-page-dark'), fullPage: true });
      await page.goto(`${address}/papers/date/2026-03-10`);
      await page.click(`${card('2603.00201')} details.collect summary`);
      await page.screenshot({ path: screenshotPath('collections-add-dark') });
    } finally {
      await browser.close();
    }
  });
});
