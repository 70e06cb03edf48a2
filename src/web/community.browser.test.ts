import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../testing/test-app.js';
import { loadConfig } from '../config.js';
import { createPaperStore } from '../papers/store.js';
import { buildPaper } from '../papers/paper.js';
import { freshDatabase, type TestDatabase } from '../testing/databases.js';
import { startTestSmtp, type TestSmtp } from '../testing/smtp.js';
import { launchChromium, screenshotPath, seriousAxeViolations } from '../testing/browser.js';

// Real Chromium against a listening server: sign in through the link that arrived by SMTP,
// submit a paper, upvote without a reload, comment; screenshots of the submit, paper and profile
// pages for a person to look at.

const recent = new Date(Date.now() - 86_400_000).toISOString();

describe('community in Chromium', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let smtp: TestSmtp;
  let address: string;

  before(async () => {
    db = await freshDatabase('sqlite');
    smtp = await startTestSmtp();
    const papers = createPaperStore(db);
    await papers.upsertMany([
      buildPaper({
        id: '2603.20001',
        title: 'Sparse Mixture-of-Experts Language Models Learn $\\mathcal{O}(\\log n)$ Routing',
        abstract:
          'We study routing in sparse mixture-of-experts language models and show that learned routers converge to a logarithmic number of active experts per token. Experiments on six benchmarks confirm the analysis.',
        authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper'],
        categories: ['cs.CL', 'cs.LG'],
        publishedAt: recent,
        updatedAt: recent,
      }),
    ]);
    // BASE_URL is only known after listen; the app reads it when it writes the mail.
    ({ app } = await buildTestApp({
      config: loadConfig({ LOG_LEVEL: 'silent', SMTP_URL: smtp.url, SESSION_SECRET: 'browser-secret', BASE_URL: 'http://127.0.0.1:1' }),
      database: db,
      papers,
    }));
    address = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
    await smtp.close();
    await db.destroy();
  });

  test('sign in by the emailed link, submit, upvote without reload, comment; no serious axe violations', async () => {
    const browser = await launchChromium();
    try {
      // bypassCSP lets the axe check inject its script; the pages allow only same-origin scripts.
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, bypassCSP: true });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${address}/submit`);
      assert.match(page.url(), /\/signin\?next=%2Fsubmit$/);
      await page.fill('#email', 'ada@example.org');
      await page.click('button[type=submit]:has-text("Email me")');
      await page.waitForSelector('text=Check your inbox');
      const [mail] = await smtp.waitFor(1);
      const link = /(http:\/\/\S+\/signin\/confirm\?token=\S+)/.exec(mail.text ?? '')![1];
      // The mail names BASE_URL; the browser follows the same path on this test server.
      const url = new URL(link);
      await page.goto(`${address}${url.pathname}${url.search}`);
      await page.click('#confirm');
      await page.waitForURL(`${address}/submit`);
      await page.fill('#paper', 'https://arxiv.org/abs/2603.20001');
      await page.fill('#comment', 'Clear analysis of MoE routing.');
      await page.fill('#github_repo', 'https://github.com/example/moe-routing');
      await page.screenshot({ path: screenshotPath('community-submit'), fullPage: true });
      await page.click('button:has-text("Submit")');
      await page.waitForURL(`${address}/papers/2603.20001`);

      // Upvote through community.js: the count changes and the page does not reload.
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
      await page.click('form[data-upvote] button');
      await page.waitForSelector('form.votes.voted');
      assert.equal(await page.textContent('form.votes .count'), '1');
      assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'no reload');

      await page.fill('#comment-body', 'Does the $O(\\log n)$ bound hold for *top-2* routing? <script>alert(1)</script>');
      await page.click('button:has-text("Comment")');
      await page.waitForSelector('.comment-body em');
      assert.equal(await page.textContent('.comment-body em'), 'top-2');
      assert.equal(await page.locator('.comment-body script').count(), 0);
      await page.click('details.reply summary');
      await page.fill('textarea[id^=reply-body-]', 'Yes, see Section 4.');
      await page.click('details.reply button:has-text("Reply")');
      await page.waitForSelector('.comments .comments .comment-body');
      // after a reload the vote is still there
      assert.equal(await page.textContent('form.votes .count'), '1');
      await page.screenshot({ path: screenshotPath('community-paper'), fullPage: true });

      await page.goto(`${address}/u/ada`);
      await page.fill('#token-name', 'my script');
      await page.click('button:has-text("Create token")');
      await page.waitForSelector('#new-token');
      await page.screenshot({ path: screenshotPath('community-profile'), fullPage: true });
      assert.deepEqual(errors, []);
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.goto(`${address}/papers/2603.20001`);
      await page.screenshot({ path: screenshotPath('community-paper-dark'), fullPage: true });
      await page.emulateMedia({ colorScheme: 'light' });
      await page.goto(`${address}/signin`);
      await page.screenshot({ path: screenshotPath('community-signin') });
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const path of ['/signin', '/submit', '/papers/2603.20001', '/u/ada']) {
          await page.goto(`${address}${path}`);
          assert.deepEqual(await seriousAxeViolations(page), [], `${path} (${scheme})`);
        }
      }
    } finally {
      await browser.close();
    }
  });
});
