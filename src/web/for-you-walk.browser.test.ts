import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../testing/test-app.js';
import { loadConfig } from '../config.js';
import { freshDatabase, type TestDatabase } from '../testing/databases.js';
import { addPapers } from '../digest/fixtures.js';
import { FOR_YOU_BIB, FOR_YOU_PAPERS } from '../testing/foryou-fixtures.js';
import { startTestSmtp, type TestSmtp } from '../testing/smtp.js';
import { launchChromium, screenshotPath, seriousAxeViolations } from '../testing/browser.js';
import { waitFor } from '../testing/wait.js';

// Issue #26's acceptance walk in real Chromium, as a new user makes it: sign in by the emailed link
// (landing on /for-you), pick a category, import a BibTeX file of three papers, see the day's papers
// ranked each with a reason, dismiss one (gone after a reload), save one (the order changes: waited
// for, never slept), then delete the account. Screenshots light and dark; no serious axe violation.

const MORE = [
  ['Graph transformers for crystal structures', 'Graph transformers predict crystal properties from atomic graphs.', 'cond-mat.mtrl-sci'],
  ['Neutron star cooling curves', 'Neutron star cooling constrains dense matter physics and mergers.', 'astro-ph.HE'],
  ['Sparse attention kernels on GPUs', 'Fast sparse attention kernels for long sequence models on GPUs.', 'cs.CL'],
  ['Protein language models at scale', 'Protein language models trained on amino acid sequences predict structure.', 'q-bio.BM'],
  ['Dark matter halos in simulations', 'Simulated dark matter halos and their mass profiles.', 'astro-ph.CO'],
  ['Molecular graphs and message passing for drug discovery', 'Message passing neural networks over molecular graphs for drug discovery.', 'cs.LG'],
];

describe('For you, the new-user walk in Chromium', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let smtp: TestSmtp;
  let address: string;

  before(async () => {
    db = await freshDatabase('sqlite');
    smtp = await startTestSmtp();
    await addPapers(db, [
      ...FOR_YOU_PAPERS.map((p) => (p.id === '2603.00204' ? { ...p, categories: ['cs.CL'], submitted: { day: '2026-03-10', upvotes: 3 } } : p)),
      ...MORE.map(([title, abstract, category], i) => ({ id: `2603.0030${i}`, day: '2026-03-10', title, abstract, categories: [category] })),
    ]);
    ({ app } = await buildTestApp({
      config: loadConfig({ LOG_LEVEL: 'silent', SMTP_URL: smtp.url, SESSION_SECRET: 'browser-secret', BASE_URL: 'http://127.0.0.1:1' }),
      database: db,
    }));
    address = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
    await smtp.close();
    await db.destroy();
  });

  test('sign in, pick a category, import three papers, ranked with reasons, dismiss, save (order changes), delete the account', async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, bypassCSP: true });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      const ids = () => page.$$eval('ol.for-you li.paper-card', (lis) => lis.map((li) => li.getAttribute('data-paper-id')!));

      // Sign in by the emailed link, back to /for-you
      await page.goto(`${address}/for-you`);
      assert.match(page.url(), /\/signin\?next=%2Ffor-you$/);
      await page.fill('#email', 'newcomer@example.org');
      await page.click('button[type=submit]:has-text("Email me")');
      await page.waitForSelector('text=Check your inbox');
      const [mail] = await smtp.waitFor(1);
      const link = new URL(/(http:\/\/\S+\/signin\/confirm\?token=\S+)/.exec(mail.text ?? '')![1]);
      await page.goto(`${address}${link.pathname}${link.search}`);
      await page.click('#confirm');
      await page.waitForURL(`${address}/for-you`);
      await page.waitForSelector('text=Your ranking starts with a few papers you like');
      await page.screenshot({ path: screenshotPath('for-you-walk-cold'), fullPage: true });

      // Pick a category: its papers come first, with a reason
      await page.check('input[name=category][value="cs.CL"]');
      await page.click('button:has-text("Follow these categories")');
      await page.waitForSelector('ol.for-you');
      assert.equal((await ids())[0], '2603.00204');
      assert.equal((await page.textContent('li[data-paper-id="2603.00204"] .reason'))?.trim(), 'in cs.CL, which you follow');

      // Import a .bib file of three papers
      await page.setInputFiles('input[type=file]', { name: 'mine.bib', mimeType: 'application/x-bibtex', buffer: Buffer.from(FOR_YOU_BIB) });
      await page.waitForFunction(() => (document.querySelector('#library') as HTMLTextAreaElement).value.includes('@article{gnn2026'));
      await page.click('button:has-text("Import")');
      await page.waitForSelector('text=Imported 3 papers');
      await page.click('text=See your For-you papers');
      await page.waitForSelector('ol.for-you');
      const first = await ids();
      assert.equal(first.length, 10, 'the day: every paper of it');
      const reasons = await page.$$eval('ol.for-you li.paper-card', (lis) => lis.map((li) => li.querySelector('.reason')?.textContent?.trim() ?? ''));
      assert.ok(
        reasons.every((r) => r !== ''),
        `each paper with a reason: ${reasons.join(' | ')}`,
      );
      assert.match(reasons[0], /^like "[^"]+" you imported$/);
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.screenshot({ path: screenshotPath(`for-you-walk-ranked-${scheme}`), fullPage: true });
        assert.deepEqual(await seriousAxeViolations(page), [], `/for-you (${scheme})`);
      }
      await page.emulateMedia({ colorScheme: 'light' });

      // Not interested: gone at once, and after a reload
      const gone = first[0];
      await page.click(`li[data-paper-id="${gone}"] form[data-signal="dismiss"] button`);
      await page.waitForSelector(`li[data-paper-id="${gone}"]`, { state: 'detached' });
      await page.reload();
      assert.ok(!(await ids()).includes(gone), 'still gone after a reload');

      // Save one: the order changes within seconds (reloads until it has, no fixed sleep)
      const before = (await ids()).filter((id) => id !== '2603.00302');
      await page.click('li[data-paper-id="2603.00302"] form[data-signal="save"] button');
      await page.waitForSelector('li[data-paper-id="2603.00302"] form[data-signal="save"].on');
      let after: string[] = [];
      await waitFor(
        async () => {
          await page.reload();
          after = await ids();
          return after.join() !== before.join();
        },
        { what: 'the ranking to change after a save', timeoutMs: 5000, intervalMs: 50 },
      );
      assert.ok(!after.includes('2603.00302'), 'a saved paper is not recommended back');
      assert.ok(
        after.indexOf('2603.00204') < before.indexOf('2603.00204'),
        `the sparse-attention paper moves up after saving the one like it: ${before} -> ${after}`,
      );
      assert.match((await page.textContent('li[data-paper-id="2603.00204"] .reason')) ?? '', /you saved$/);
      await page.screenshot({ path: screenshotPath('for-you-walk-after-save'), fullPage: true });

      // Delete the account: from the profile, type the username
      await page.goto(`${address}/u/newcomer`);
      await page.click('text=Delete my account');
      await page.waitForSelector('h1:has-text("Delete your account")');
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.screenshot({ path: screenshotPath(`account-delete-${scheme}`), fullPage: true });
        assert.deepEqual(await seriousAxeViolations(page), [], `/account/delete (${scheme})`);
      }
      await page.fill('#confirm-username', 'newcomer');
      await page.click('button:has-text("Delete my account")');
      await page.waitForSelector('text=Your account is deleted');
      await page.goto(`${address}/for-you`);
      assert.match(page.url(), /\/signin\?next=%2Ffor-you$/, 'signed out');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
