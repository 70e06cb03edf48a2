import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { buildTestApp } from '../testing/test-app.js';
import { loadConfig } from '../config.js';
import { createPaperStore } from '../papers/store.js';
import { buildPaper } from '../papers/paper.js';
import { freshDatabase, type TestDatabase } from '../testing/databases.js';
import { addSubmission, addUser } from '../testing/feed-fixtures.js';
import { axeViolations, launchChromium, screenshotPath } from '../testing/browser.js';
import type { Community } from '../community/community.js';

const TITLES = [
  'Constitutional Midtraining: Content Presence Drives Alignment Gains',
  'Breaking <script>alert(1)</script> & $\\mathcal{O}(n^2)$ Attention',
  'On the Limits of LLM Adaptability: Impact of Model-Internalized Priors on Annotation',
  'Better Language Model Inversion by Compactly Representing Next-Token Distributions',
  'Data Factors for Better Compositional Generalization',
];

describe('feed pages in Chromium', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let address: string;
  let community: Community;
  let ada: number;
  before(async () => {
    db = await freshDatabase('sqlite');
    const papers = createPaperStore(db);
    await papers.upsertMany(
      TITLES.map((title, i) =>
        buildPaper({
          id: `2605.0010${i}`,
          title,
          abstract:
            `${title}. We study this question with careful experiments on several benchmarks and find consistent gains; code and data are released. `.repeat(3),
          authors: ['Desiree Cho', 'Cameron Tice', 'Bernie Hogan', 'Hunar Batra', 'Puria Radmard', 'Jun Zhao', 'Nigel Shadbolt'].slice(0, 3 + i),
          categories: i % 2 ? ['cs.LG', 'cs.CL'] : ['cs.CL'],
          publishedAt: '2026-05-28T00:00:00.000Z',
          updatedAt: '2026-05-28T00:00:00.000Z',
        }),
      ),
    );
    ada = await addUser(db, 'ada', 'Ada Lovelace');
    for (let i = 0; i < TITLES.length; i++) {
      await addSubmission(db, {
        paperId: `2605.0010${i}`,
        feedDay: i < 4 ? '2026-05-29' : '2026-05-28',
        submittedBy: ada,
        upvotes: 20 - i * 4,
        commentsCount: i,
        githubRepo: i === 0 ? 'https://github.com/desBugger/constitutional-mt' : null,
      });
    }
    const config = loadConfig({ LOG_LEVEL: 'silent' });
    const built = await buildTestApp({ config, database: db, papers, sessionSecret: 'feed-browser-test' });
    ({ app } = built);
    community = built.deps.community;
    address = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
    await db.destroy();
  });

  test('home and day pages render, keys move and open, no serious axe violations, under 50 KB of JS', async () => {
    const browser = await launchChromium();
    try {
      // bypassCSP lets the test inject axe-core; the pages themselves allow only same-origin scripts.
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, bypassCSP: true });
      const page = await context.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.goto(`${address}/`);
      assert.equal(await page.locator('.paper-card').count(), 4);
      assert.equal(await page.locator('.paper-card h3').first().innerText(), TITLES[0]);
      await page.screenshot({ path: screenshotPath('feed-home'), fullPage: true });

      const scripts = await page.locator('script[src]').evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).src));
      let bytes = 0;
      for (const src of scripts) bytes += (await (await fetch(src)).arrayBuffer()).byteLength;
      assert.ok(bytes < 50 * 1024, `${bytes} bytes of JavaScript`);

      await page.keyboard.press('j');
      await page.keyboard.press('j');
      assert.equal(await page.locator('.paper-card.selected').getAttribute('data-paper-id'), '2605.00101');
      await page.keyboard.press('k');
      assert.equal(await page.locator('.paper-card.selected').getAttribute('data-paper-id'), '2605.00100');
      await Promise.all([page.waitForURL(/\/papers\/2605\.00100$/), page.keyboard.press('o')]);

      for (const path of ['/', '/papers/date/2026-05-28', '/papers/week/2026-W22', '/papers/trending', '/api/docs', '/about']) {
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          await page.goto(`${address}${path}`);
          const bad = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
          assert.deepEqual(bad, [], `${path} (${scheme})`);
        }
      }
      await page.emulateMedia({ colorScheme: 'light' });
      await page.goto(`${address}/papers/date/2026-05-29`);
      await page.screenshot({ path: screenshotPath('feed-day'), fullPage: true });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: screenshotPath('feed-day-dark'), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.emulateMedia({ colorScheme: 'light' });
      await page.screenshot({ path: screenshotPath('feed-day-mobile'), fullPage: true });
      await page.goto(`${address}/api/docs`);
      await page.screenshot({ path: screenshotPath('api-docs') });
      assert.deepEqual(dialogs, []);

      // Without JavaScript the feed is all there: links and forms.
      const plain = await browser.newContext({ javaScriptEnabled: false });
      const p2 = await plain.newPage();
      await p2.goto(`${address}/papers/date/2026-05-29`);
      assert.equal(await p2.locator('.paper-card .votes a.upvote').count(), 4);
      await plain.close();
    } finally {
      await browser.close();
    }
  });

  /** Runs body with a page signed in as ada, in its own browser. */
  async function signedIn(body: (page: Page) => Promise<void>) {
    const { token } = await community.accounts.createSession(ada);
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      await context.addCookies([{ name: 'pb_session', value: token, url: address }]);
      await body(await context.newPage());
    } finally {
      await browser.close();
    }
  }

  test('signed in: u upvotes the selected paper in place (community.js), and the page after a reload agrees', () =>
    signedIn(async (page) => {
      await page.goto(`${address}/papers/date/2026-05-29`);
      const second = page.locator('.paper-card').nth(1);
      await page.keyboard.press('j');
      await page.keyboard.press('j');
      await page.keyboard.press('u');
      await second.locator('form.votes.voted').waitFor();
      // The fixtures set counters without vote rows; the in-place count is the store's own answer.
      assert.equal(Number(await second.locator('.count').innerText()), await community.votes.count('2605.00101'));
      assert.ok(await community.votes.hasVoted(ada, '2605.00101'));
      assert.equal(page.url(), `${address}/papers/date/2026-05-29`, 'no navigation');
      await page.screenshot({ path: screenshotPath('feed-day-signed-in'), fullPage: true });
      await page.reload();
      assert.equal(await page.locator('.paper-card').nth(1).locator('form.votes.voted').count(), 1);
    }));

  test('signed in: u on a paper page upvotes that paper in place', () =>
    signedIn(async (page) => {
      await page.goto(`${address}/papers/2605.00102`);
      assert.equal(await community.votes.hasVoted(ada, '2605.00102'), false);
      await page.keyboard.press('u');
      await page.locator('.paper-title-row form.votes.voted').waitFor();
      assert.ok(await community.votes.hasVoted(ada, '2605.00102'));
      assert.equal(page.url(), `${address}/papers/2605.00102`, 'no navigation');
      // Typing u in the comment box is text, not a vote toggle.
      await page.locator('textarea').first().focus();
      await page.keyboard.press('u');
      assert.equal(await page.locator('textarea').first().inputValue(), 'u');
      assert.ok(await community.votes.hasVoted(ada, '2605.00102'));
    }));
});
