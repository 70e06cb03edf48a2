import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../testing/test-app.js';
import { loadConfig } from '../config.js';
import { freshDatabase, type TestDatabase } from '../testing/databases.js';
import { addPapers } from '../digest/fixtures.js';
import { launchChromium, screenshotPath, seriousAxeViolations } from '../testing/browser.js';
import { type PdfServer, servePdfs } from '../testing/pdf.js';

// Thumbnails in real Chromium: drawn from real PDFs (a loopback server), shown on the feed's cards
// and the paper page at the size the markup gives, so a card is as tall before its image arrives
// as after (nothing jumps). Screenshots for a person to look at; axe finds nothing serious.

describe('thumbnails in Chromium', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let address: string;
  let server: PdfServer;
  let dataDir: string;
  const day = '2026-03-10';

  before(async () => {
    // One paper's PDF cannot be had: it gets no thumbnail.
    server = await servePdfs((id, res) => id === '2603.00903' && !!res.writeHead(404).end());
    db = await freshDatabase('sqlite');
    await addPapers(db, [
      {
        id: '2603.00901',
        day,
        title: 'Sparse attention kernels on GPUs',
        abstract: 'We study fast sparse attention kernels for long sequences.',
        authors: ['Ada Lovelace', 'Alan Turing'],
        submitted: { day, upvotes: 5 },
      },
      {
        id: '2603.00902',
        day,
        title: 'A benchmark of table question answering',
        abstract: 'We study question answering over tables and release a benchmark of them.',
        authors: ['Ada Lovelace'],
        submitted: { day, upvotes: 3 },
      },
      {
        id: '2603.00903',
        day,
        title: 'Neutron star cooling curves',
        abstract: 'We study cooling curves; its PDF cannot be had: no thumbnail.',
        authors: ['Ada Lovelace'],
        submitted: { day, upvotes: 2 },
      },
    ]);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-thumbs-'));
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      SESSION_SECRET: 'browser-secret',
      PAGE_CACHE_MB: '0',
      THUMBNAILS: 'on',
      ARXIV_PDF_URL: server.url,
      ARXIV_REQUEST_INTERVAL_MS: '0',
      DATA_DIR: dataDir,
    });
    const built = await buildTestApp({ config, database: db });
    app = built.app;
    address = await app.listen({ port: 0, host: '127.0.0.1' });
    // The feed page asks for its papers; the worker's job draws them.
    await app.inject({ url: `/papers/date/${day}` });
    const r = await built.deps.thumbnails?.drawDue();
    assert.deepEqual(r, { drawn: 2, failed: 1, later: 0 });
  });
  after(async () => {
    await app.close();
    await db.destroy();
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('cards and the paper page show page 1, lazy, sized before it loads', async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${address}/papers/date/${day}`);
      const thumbs = page.locator('.paper-card .paper-thumb img');
      assert.equal(await thumbs.count(), 2);
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.paper-thumb img')].every((i) => i.complete && i.naturalWidth > 0));
      assert.deepEqual(
        await thumbs.evaluateAll((imgs) =>
          imgs.map((i) => [(i as HTMLImageElement).naturalWidth, Math.round(i.getBoundingClientRect().width), Math.round(i.getBoundingClientRect().height)]),
        ),
        [
          [240, 120, 156],
          [240, 120, 156],
        ],
      );
      const cardHeights = () => page.locator('.paper-card').evaluateAll((cards) => cards.map((c) => Math.round(c.getBoundingClientRect().height)));
      const loaded = await cardHeights();
      await page.screenshot({ path: screenshotPath('thumbnails-feed'), fullPage: true });
      assert.deepEqual(await seriousAxeViolations(page), []);

      // The same page with the images held back: every card is as tall already.
      const held = await context.newPage();
      await held.route('**/thumbnails/**', () => {});
      await held.goto(`${address}/papers/date/${day}`);
      assert.deepEqual(await held.locator('.paper-card').evaluateAll((cards) => cards.map((c) => Math.round(c.getBoundingClientRect().height))), loaded);
      await held.close();

      // Search results and an author's page: the same cards, the same sizes, nothing jumps either.
      for (const [name, url] of [
        ['search', '/search?q=study'],
        ['author', `/authors/${encodeURIComponent('Ada Lovelace')}`],
      ]) {
        await page.goto(`${address}${url}`);
        assert.equal(await thumbs.count(), 2, `${name}: the two drawn papers`);
        await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.paper-thumb img')].every((i) => i.complete && i.naturalWidth > 0));
        // Beside the text, at the size the markup gives.
        assert.deepEqual(
          await page.locator('.paper-card.with-thumb').evaluateAll((cards) =>
            cards.map((c) => {
              const img = c.querySelector('.paper-thumb img')!.getBoundingClientRect();
              const text = c.querySelector('article')!.getBoundingClientRect();
              return [Math.round(img.width), Math.round(img.height), img.left >= text.right, img.top < text.bottom];
            }),
          ),
          [
            [120, 156, true, true],
            [120, 156, true, true],
          ],
          name,
        );
        const heights = await cardHeights();
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          await page.screenshot({ path: screenshotPath(`thumbnails-${name}-${scheme}`), fullPage: true });
        }
        await page.emulateMedia({ colorScheme: 'light' });
        assert.deepEqual(await seriousAxeViolations(page), [], name);
        const heldBack = await context.newPage();
        await heldBack.route('**/thumbnails/**', () => {});
        await heldBack.goto(`${address}${url}`);
        assert.deepEqual(
          await heldBack.locator('.paper-card').evaluateAll((cards) => cards.map((c) => Math.round(c.getBoundingClientRect().height))),
          heights,
          `${name}: every card is as tall before its image comes`,
        );
        await heldBack.close();
      }

      await page.goto(`${address}/papers/2603.00901`);
      const big = page.locator('.paper-page .paper-thumb img');
      await page.waitForFunction(() => (document.querySelector('.paper-thumb img') as HTMLImageElement | null)?.complete === true);
      assert.deepEqual(await big.evaluate((i) => [Math.round(i.getBoundingClientRect().width), Math.round(i.getBoundingClientRect().height)]), [180, 233]);
      await page.screenshot({ path: screenshotPath('thumbnails-paper'), fullPage: true });
      assert.deepEqual(await seriousAxeViolations(page), []);
    } finally {
      await browser.close();
    }
  });
});
