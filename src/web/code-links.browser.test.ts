import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../testing/test-app.js';
import { loadConfig } from '../config.js';
import { freshDatabase, type TestDatabase } from '../testing/databases.js';
import { addPapers } from '../digest/fixtures.js';
import { launchChromium, screenshotPath, seriousAxeViolations } from '../testing/browser.js';

// Code links found in the papers' own text, in real Chromium: the code link on the feed's cards
// and the paper page, and the "Has code" filter. Screenshots for a person to look at; axe finds
// nothing serious or critical.

describe('code links in Chromium', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let address: string;

  before(async () => {
    db = await freshDatabase('sqlite');
    const day = '2026-03-10';
    await addPapers(db, [
      {
        id: '2603.00401',
        day,
        title: 'Sparse attention kernels on GPUs',
        abstract: 'Fast sparse attention kernels for long sequences. Our code is available at https://github.com/\nexample-lab/sparse-kernels.git.',
        comments: 'Project page: https://example-lab.github.io/sparse/',
        submitted: { day, upvotes: 5 },
      },
      {
        id: '2603.00402',
        day,
        title: 'A benchmark of table question answering',
        abstract: 'We release the benchmark at \\url{https://huggingface.co/datasets/example/tables} and code at gitlab.com/example/tables.',
        submitted: { day, upvotes: 3 },
      },
      { id: '2603.00403', day, title: 'Neutron star cooling curves', abstract: 'Code will be released upon acceptance.', submitted: { day, upvotes: 2 } },
    ]);
    // A star count, as the stars job leaves it.
    await db.db
      .insertInto('github_repos')
      .values({
        url: 'https://github.com/example-lab/sparse-kernels',
        repo: 'example-lab/sparse-kernels',
        stars: 1234,
        etag: null,
        checked_at: null,
        next_check_at: '2099-01-01',
        gone: 0,
        failures: 0,
      })
      .execute();
    app = (await buildTestApp({ config: loadConfig({ LOG_LEVEL: 'silent', SESSION_SECRET: 'browser-secret' }), database: db })).app;
    address = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
    await db.destroy();
  });

  test('the feed shows code links found in the text, "Has code" keeps those papers, the paper page shows its links', async () => {
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 }, bypassCSP: true })).newPage();
      await page.goto(`${address}/papers/date/2026-03-10`);
      const gh = page.locator('a.code-link[href="https://github.com/example-lab/sparse-kernels"]');
      assert.equal(await gh.innerText(), 'GitHub ★ 1.2k');
      assert.equal(await page.locator('a.code-link[href="https://gitlab.com/example/tables"]').innerText(), 'GitLab');
      assert.equal(await page.locator('a.code-link').count(), 2);
      await page.screenshot({ path: screenshotPath('code-links-feed'), fullPage: true });
      assert.deepEqual(await seriousAxeViolations(page), []);

      await page.check('input[name="hasCode"]');
      await Promise.all([page.waitForURL(/hasCode=1/), page.click('form.filter button[type="submit"]')]);
      assert.equal(await page.locator('ol.papers > li').count(), 2);
      assert.equal(await page.locator('text=Neutron star cooling curves').count(), 0);
      await page.screenshot({ path: screenshotPath('code-links-feed-has-code'), fullPage: true });

      await page.goto(`${address}/papers/2603.00401`);
      assert.equal(await page.locator('.links a.code-link').getAttribute('href'), 'https://github.com/example-lab/sparse-kernels');
      assert.equal(await page.locator('.links a[href="https://example-lab.github.io/sparse"]').innerText(), 'Project page');
      await page.screenshot({ path: screenshotPath('code-links-paper'), fullPage: true });
      assert.deepEqual(await seriousAxeViolations(page), []);
    } finally {
      await browser.close();
    }
  });
});
