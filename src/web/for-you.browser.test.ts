import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../testing/test-app.js';
import { loadConfig } from '../config.js';
import { freshDatabase, type TestDatabase } from '../testing/databases.js';
import { addPapers } from '../digest/fixtures.js';
import { FOR_YOU_BIB, FOR_YOU_PAPERS } from '../testing/foryou-fixtures.js';
import { launchChromium, screenshotPath, seriousAxeViolations, signedInPage } from '../testing/browser.js';

// For you in real Chromium, as a new member tries it: the cold start, a BibTeX file of three papers
// pasted into the import form, the ranked day with reasons, "Not interested" (the card leaves without
// a reload, and is still gone after one), "Save" (the ranking changes on the next load). Screenshots
// of each step, light and dark, for a person to look at.

describe('For you in Chromium', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let address: string;
  let session: string;

  before(async () => {
    db = await freshDatabase('sqlite');
    await addPapers(db, [
      ...FOR_YOU_PAPERS.map((p) => (p.id === '2603.00204' ? { ...p, submitted: { day: '2026-03-10', upvotes: 3 } } : p)),
      ...Array.from({ length: 6 }, (_, i) => ({
        id: `2603.0030${i}`,
        day: '2026-03-10',
        title: [
          'Graph transformers for crystal structures',
          'Neutron star cooling curves',
          'Sparse attention kernels on GPUs',
          'Protein language models at scale',
          'Dark matter halos in simulations',
          'Molecular graphs and message passing for drug discovery',
        ][i],
        abstract: [
          'Graph transformers predict crystal properties from atomic graphs.',
          'Neutron star cooling constrains dense matter physics and mergers.',
          'Fast sparse attention kernels for long sequence models on GPUs.',
          'Protein language models trained on amino acid sequences predict structure.',
          'Simulated dark matter halos and their mass profiles.',
          'Message passing neural networks over molecular graphs for drug discovery and molecule property prediction.',
        ][i],
        submitted: i < 2 ? { day: '2026-03-10', upvotes: i + 1 } : undefined,
      })),
    ]);
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

  test('import a .bib of three papers, see the day ranked with reasons, dismiss one (gone after reload), save one (ranking changes)', async () => {
    const browser = await launchChromium();
    try {
      const { page, errors } = await signedInPage(browser, address, session);

      await page.goto(`${address}/for-you`);
      await page.waitForSelector('text=Your ranking starts with a few papers you like');
      await page.screenshot({ path: screenshotPath('for-you-cold'), fullPage: true });
      // The .bib file, chosen in the form: community.js puts its text in the box.
      await page.setInputFiles('input[type=file]', { name: 'mine.bib', mimeType: 'application/x-bibtex', buffer: Buffer.from(FOR_YOU_BIB) });
      await page.waitForFunction(() => (document.querySelector('#library') as HTMLTextAreaElement).value.includes('@article{gnn2026'));
      await page.click('button:has-text("Import")');
      await page.waitForSelector('text=Imported 3 papers');
      await page.screenshot({ path: screenshotPath('for-you-imported') });
      await page.click('text=See your For-you papers');
      await page.waitForSelector('ol.for-you');
      const ids = () => page.$$eval('ol.for-you li.paper-card', (lis) => lis.map((li) => li.getAttribute('data-paper-id')));
      const first = await ids();
      assert.equal(first.length, 10, 'every paper of the day');
      assert.ok(!['2603.00204', '2603.00302', '2603.00304'].includes(first[0]!), `a paper like the imported ones first, got ${first[0]}`);
      assert.match((await page.textContent('ol.for-you li.paper-card .reason')) ?? '', /^like "[^"]+" you imported$/);
      await page.screenshot({ path: screenshotPath('for-you-ranked'), fullPage: true });

      // Not interested: the card leaves without a reload, and stays gone after one.
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
      const gone = first[0]!;
      await page.click(`li[data-paper-id="${gone}"] form[data-signal="dismiss"] button`);
      await page.waitForSelector(`li[data-paper-id="${gone}"]`, { state: 'detached' });
      assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'no reload');
      await page.reload();
      assert.ok(!(await ids()).includes(gone));

      // Save: the button says so in place; the next load ranks by it.
      const before = await ids();
      const saved = '2603.00302';
      await page.click(`li[data-paper-id="${saved}"] form[data-signal="save"] button`);
      await page.waitForSelector(`li[data-paper-id="${saved}"] form[data-signal="save"].on`);
      assert.equal((await page.textContent(`li[data-paper-id="${saved}"] form[data-signal="save"] button`))?.trim(), 'Saved');
      await page.screenshot({ path: screenshotPath('for-you-saved') });
      await page.reload();
      const after = await ids();
      assert.notDeepEqual(
        after,
        before.filter((id) => id !== saved),
      );
      assert.ok(after.indexOf('2603.00204') < before.indexOf('2603.00204'), 'the sparse-attention paper moves up after saving the one like it');
      assert.match((await page.textContent('li[data-paper-id="2603.00204"] .reason')) ?? '', /you saved$/);
      await page.screenshot({ path: screenshotPath('for-you-after-save'), fullPage: true });

      // The same buttons on the paper page and the feed, and the For-you sort there.
      await page.goto(`${address}/papers/2603.00203`);
      await page.click('form[data-signal="save"] button');
      await page.waitForSelector('form[data-signal="save"].on');
      await page.screenshot({ path: screenshotPath('for-you-paper-page') });
      await page.goto(`${address}/papers/date/2026-03-10?sort=foryou`);
      await page.waitForSelector('.sort-links a[aria-current]:has-text("For you")');
      await page.screenshot({ path: screenshotPath('for-you-feed-sort'), fullPage: true });
      assert.deepEqual(errors, []);
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const path of ['/for-you', '/papers/2603.00203', '/papers/date/2026-03-10?sort=foryou']) {
          await page.goto(`${address}${path}`);
          assert.deepEqual(await seriousAxeViolations(page), [], `${path} (${scheme})`);
        }
      }
      await page.goto(`${address}/for-you`);
      await page.screenshot({ path: screenshotPath('for-you-dark'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
