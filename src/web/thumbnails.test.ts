import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { buildTestApp, type TestApp } from '../testing/test-app.js';
import { addPapers } from '../digest/fixtures.js';
import { createThumbnails, openThumbnails, pngSize } from '../ingest/thumbnails.js';
import { createPoliteHttp } from '../ingest/polite-http.js';
import { processJobs } from '../jobs/definitions.js';
import { type PdfServer, servePdfs, smallPdf } from '../testing/pdf.js';

// Thumbnails (THUMBNAILS=on) against a loopback server of real, small PDFs made here: a paper shown
// on a feed page or opened is asked for, the worker fetches each PDF once (however many readers
// open it at once) and pdftoppm draws page 1; the image is served at a stable address with long
// cache headers and shown with its width and height. A 404, a body that is no PDF, a PDF pdftoppm
// cannot read, one too large and a pdftoppm that hangs are recorded as failed and not fetched again.

const FEED_DAY = '2026-03-10';
const PAPERS = [
  { id: '2603.00601', title: 'Drawn from a good PDF' },
  { id: '2603.00602', title: 'A PDF arXiv has not got' },
  { id: '2603.00603', title: 'An HTML page instead of a PDF' },
  { id: '2603.00604', title: 'A PDF that is broken inside' },
];

describe('thumbnails: the server of PDFs', () => {
  let server: PdfServer;
  let base: string;
  /** requests per path */
  let asked: Map<string, number>;
  let agents: string[];

  before(async () => {
    server = await servePdfs((id, res) => {
      if (id === '2603.00601' || id === 'hep-th/9901001' || id === '2603.00700') {
        // Slow enough that readers opening the paper at once all wait on the one fetch.
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/pdf' });
          res.end(smallPdf(`Paper ${id}`));
        }, 50);
      } else if (id === '2603.00603') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>Just a moment</title><p>Checking your browser');
      } else if (id === '2603.00604') {
        res.writeHead(200, { 'content-type': 'application/pdf' });
        res.end('%PDF-1.4\nthis is not the rest of a PDF\n%%EOF\n');
      } else if (id === '2603.00605') {
        res.writeHead(503, { 'retry-after': '0' });
        res.end('busy');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('no such paper');
      }
      return true;
    });
    ({ url: base, asked, agents } = server);
  });
  after(() => server.close());

  const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-thumbs-'));

  for (const dialect of DIALECTS) {
    describe(`over HTTP [${dialect}]`, () => {
      let db: TestDatabase;
      let on: TestApp;
      let off: TestApp;
      let dataDir: string;

      before(async () => {
        db = await freshDatabase(dialect);
        await addPapers(
          db,
          PAPERS.map((p, i) => ({ ...p, day: FEED_DAY, abstract: `About ${p.title}.`, submitted: { day: FEED_DAY, upvotes: 10 - i } })),
        );
        dataDir = tmpDir();
        const env = { LOG_LEVEL: 'silent', PAGE_CACHE_MB: '0', ARXIV_CONTACT: 'ops@example.org', ARXIV_REQUEST_INTERVAL_MS: '0', ARXIV_MAX_RETRIES: '0' };
        on = await buildTestApp({ database: db, config: loadConfig({ ...env, THUMBNAILS: 'on', ARXIV_PDF_URL: base, DATA_DIR: dataDir }) });
        off = await buildTestApp({ database: db, config: loadConfig({ ...env, ARXIV_PDF_URL: base, DATA_DIR: tmpDir() }) });
      });
      after(async () => {
        await on.app.close();
        await off.app.close();
        await db.destroy();
        fs.rmSync(dataDir, { recursive: true, force: true });
      });

      test('a feed page asks for its papers, 20 readers opening one at once make one fetch, and the drawn page shows with its size', async () => {
        asked.clear();
        agents.length = 0;
        const thumbnails = on.deps.thumbnails;
        assert.ok(thumbnails, 'THUMBNAILS=on with pdftoppm installed gives the process its thumbnails');
        assert.ok(
          processJobs(on.deps, ['worker'], () => {}).some((j) => j.name === 'thumbnails'),
          'the worker role runs the thumbnails job',
        );

        // 20 readers opening a paper at once ask for it once; the feed page then asks for the rest.
        const opened = await Promise.all(Array.from({ length: 20 }, () => on.app.inject({ url: '/papers/2603.00601' })));
        assert.ok(opened.every((r) => r.statusCode === 200));
        assert.deepEqual(
          (await db.db.selectFrom('paper_thumbnails').select(['paper_id', 'status']).execute()).map((r) => [r.paper_id, r.status]),
          [['2603.00601', 'pending']],
        );
        const first = await on.app.inject({ url: `/papers/date/${FEED_DAY}` });
        assert.equal(first.statusCode, 200);
        assert.doesNotMatch(first.body, /paper-thumb/, 'nothing is drawn before the worker ran');
        const rows = await db.db.selectFrom('paper_thumbnails').select(['paper_id', 'status']).orderBy('paper_id').execute();
        assert.deepEqual(
          rows.map((r) => [r.paper_id, r.status]),
          PAPERS.map((p) => [p.id, 'pending']),
        );
        // An old-style id (a slash in it) is kept under a file name without one.
        await Promise.all(Array.from({ length: 20 }, () => thumbnails.askFor(['hep-th/9901001'])));

        // Two workers drawing at once still fetch each PDF once.
        const lines: string[] = [];
        const [a, b] = await Promise.all([thumbnails.drawDue({ log: (l) => lines.push(l) }), thumbnails.drawDue({ log: (l) => lines.push(l) })]);
        assert.equal(a.drawn + b.drawn, 2, lines.join('\n'));
        assert.equal(a.failed + b.failed, 3, lines.join('\n'));
        assert.equal(asked.get('/pdf/2603.00601'), 1, 'the PDF is fetched once');
        assert.equal(asked.get('/pdf/hep-th/9901001'), 1);
        assert.ok(
          agents.every((ua) => ua.includes('ops@example.org')),
          'the User-Agent names the operator',
        );

        const failed = await db.db
          .selectFrom('paper_thumbnails')
          .select(['paper_id', 'status', 'error'])
          .where('status', '=', 'failed')
          .orderBy('paper_id')
          .execute();
        assert.deepEqual(
          failed.map((r) => r.paper_id),
          ['2603.00602', '2603.00603', '2603.00604'],
        );
        assert.match(failed[0].error ?? '', /404/);
        assert.match(failed[1].error ?? '', /not a PDF/);
        assert.match(failed[2].error ?? '', /pdftoppm failed/);

        // The failed ones are not fetched again: another run, and more readers, ask for nothing.
        const before = [...asked.values()].reduce((x, y) => x + y, 0);
        await on.app.inject({ url: `/papers/date/${FEED_DAY}` });
        await on.app.inject({ url: '/papers/2603.00602' });
        assert.deepEqual(await thumbnails.drawDue(), { drawn: 0, failed: 0, later: 0 });
        assert.equal(
          [...asked.values()].reduce((x, y) => x + y, 0),
          before,
        );

        // The feed card and the paper page show it, lazy, with the width and height it is drawn at.
        const feed = await on.app.inject({ url: `/papers/date/${FEED_DAY}` });
        const imgs = [...feed.body.matchAll(/<img src="\/thumbnails[^>]*>/g)].map((m) => m[0]);
        assert.equal(imgs.length, 1, 'only the drawn paper has a thumbnail');
        assert.match(imgs[0], /src="\/thumbnails\/2603\.00601\.png"/);
        assert.match(imgs[0], /width="120" height="156"/, 'a US Letter page at 120 px wide');
        assert.match(imgs[0], /loading="lazy"/);
        const page = await on.app.inject({ url: '/papers/2603.00601' });
        assert.match(page.body, /<img src="\/thumbnails\/2603\.00601\.png" width="180" height="233" loading="lazy"/);
        assert.doesNotMatch((await on.app.inject({ url: '/papers/2603.00602' })).body, /paper-thumb/);

        // Served at a stable address, kept a year.
        const image = await on.app.inject({ url: '/thumbnails/2603.00601.png' });
        assert.equal(image.statusCode, 200);
        assert.equal(image.headers['content-type'], 'image/png');
        assert.match(String(image.headers['cache-control']), /max-age=31536000, immutable/);
        assert.deepEqual(pngSize(image.rawPayload), { width: 240, height: 311 });
        assert.equal((await on.app.inject({ url: '/thumbnails/hep-th_9901001.png' })).statusCode, 200, 'old-style ids too');
        assert.equal((await on.app.inject({ url: '/thumbnails/2603.00602.png' })).statusCode, 404);
        assert.equal((await on.app.inject({ url: '/thumbnails/..%2F..%2Fetc%2Fpasswd' })).statusCode, 400);
        assert.equal((await on.app.inject({ url: '/thumbnails/nothing.png' })).statusCode, 404);
        assert.deepEqual(fs.readdirSync(path.join(dataDir, 'thumbnails')).sort(), ['2603.00601.png', 'hep-th_9901001.png'], 'no temporary file is left behind');

        // A process with a DATA_DIR of its own (another web process, another host) serves it from the database.
        fs.rmSync(path.join(dataDir, 'thumbnails', '2603.00601.png'));
        const copied = await on.app.inject({ url: '/thumbnails/2603.00601.png' });
        assert.equal(copied.statusCode, 200);
        assert.deepEqual(copied.rawPayload, image.rawPayload);
        assert.ok(fs.existsSync(path.join(dataDir, 'thumbnails', '2603.00601.png')), 'and keeps it in its DATA_DIR from then on');

        // The API items carry its absolute URL as `thumbnail`, null for the others.
        const items = (await on.app.inject({ url: `/api/daily_papers?date=${FEED_DAY}` })).json() as { paper: { id: string }; thumbnail: string | null }[];
        assert.deepEqual(
          items.map((i) => [i.paper.id, i.thumbnail]),
          PAPERS.map((p) => [p.id, p.id === '2603.00601' ? `${on.deps.config.baseUrl}/thumbnails/2603.00601.png` : null]),
        );
        const doc = (await on.app.inject({ url: '/openapi.json' })).json() as {
          components: { schemas: Record<string, { properties: Record<string, unknown> }> };
        };
        assert.ok(doc.components.schemas.DailyPaper.properties.thumbnail, '/openapi.json documents thumbnail');
      });

      test('off by default: nothing is asked for, shown or served', async () => {
        assert.equal(off.deps.thumbnails, null);
        assert.equal(loadConfig({}).thumbnails, 'off');
        const feed = await off.app.inject({ url: `/papers/date/${FEED_DAY}` });
        assert.doesNotMatch(feed.body, /paper-thumb/);
        assert.doesNotMatch((await off.app.inject({ url: '/papers/2603.00601' })).body, /paper-thumb/);
        assert.equal((await off.app.inject({ url: '/thumbnails/2603.00601.png' })).statusCode, 404);
        const items = (await off.app.inject({ url: `/api/daily_papers?date=${FEED_DAY}` })).json() as { thumbnail: string | null }[];
        assert.ok(items.every((i) => i.thumbnail === null));
        assert.ok(!processJobs(off.deps, ['worker'], () => {}).some((j) => j.name === 'thumbnails'));
      });

      test('too large, pdftoppm hanging, arXiv busy: failed (or later) and not fetched in a loop', async () => {
        asked.clear();
        const dir = tmpDir();
        const hang = path.join(dir, 'hang.sh');
        fs.writeFileSync(hang, '#!/bin/sh\nsleep 30\n', { mode: 0o755 });
        const client = createPoliteHttp({ userAgent: 'Paperboy/test', intervalMs: 0, timeoutMs: 5000, maxRetries: 0, backoffMs: 1 });
        let clock = Date.parse('2026-03-10T12:00:00Z');
        const now = () => clock;
        const small = createThumbnails(db.db, client, { pdfUrl: base, dir, maxPdfBytes: 100 }, now);
        const hanging = createThumbnails(db.db, client, { pdfUrl: base, dir, pdftoppm: hang, renderTimeoutMs: 300 }, now);
        await small.askFor(['2603.00700']);
        assert.deepEqual(await small.drawDue(), { drawn: 0, failed: 1, later: 0 });
        await db.db.updateTable('paper_thumbnails').set({ status: 'pending' }).where('paper_id', '=', '2603.00700').execute();
        assert.deepEqual(await hanging.drawDue(), { drawn: 0, failed: 1, later: 0 });
        const row = await db.db.selectFrom('paper_thumbnails').selectAll().where('paper_id', '=', '2603.00700').executeTakeFirstOrThrow();
        assert.match(row.error ?? '', /pdftoppm took longer than 300 ms/);

        // 503: tried again an hour later, three times in all, then failed.
        await small.askFor(['2603.00605']);
        assert.deepEqual(await small.drawDue(), { drawn: 0, failed: 0, later: 1 });
        assert.deepEqual(await small.drawDue(), { drawn: 0, failed: 0, later: 0 }, 'not again within the hour');
        clock += 61 * 60_000;
        assert.deepEqual(await small.drawDue(), { drawn: 0, failed: 0, later: 1 });
        clock += 61 * 60_000;
        assert.deepEqual(await small.drawDue(), { drawn: 0, failed: 1, later: 0 });
        assert.equal(asked.get('/pdf/2603.00605'), 3);
        assert.equal(asked.get('/pdf/2603.00700'), 2);
        fs.rmSync(dir, { recursive: true, force: true });
      });
    });
  }

  test('against the public arXiv, the worker draws nothing until ARXIV_CONTACT names the operator', async () => {
    const db = await freshDatabase('sqlite');
    try {
      const lines: string[] = [];
      const env = { LOG_LEVEL: 'silent', THUMBNAILS: 'on', DATA_DIR: tmpDir() };
      const anonymous = await buildTestApp({ database: db, config: loadConfig(env) });
      assert.ok(!processJobs(anonymous.deps, ['worker'], (l) => lines.push(l)).some((j) => j.name === 'thumbnails'));
      assert.ok(lines.some((l) => l.includes('thumbnails: drawing is off until ARXIV_CONTACT is set')));
      const named = await buildTestApp({ database: db, config: loadConfig({ ...env, ARXIV_CONTACT: 'ops@example.org' }) });
      assert.ok(processJobs(named.deps, ['worker'], () => {}).some((j) => j.name === 'thumbnails'));
      await anonymous.app.close();
      await named.app.close();
    } finally {
      await db.destroy();
    }
  });

  test('THUMBNAILS=on without pdftoppm: one clear warning at start, and the feature stays off', () => {
    const lines: string[] = [];
    const config = loadConfig({ LOG_LEVEL: 'silent', THUMBNAILS: 'on' });
    const client = createPoliteHttp({ userAgent: 'Paperboy/test', intervalMs: 0, timeoutMs: 1000, maxRetries: 0, backoffMs: 1 });
    assert.equal(
      openThumbnails(config, null as never, client, (l) => lines.push(l), 'no-such-pdftoppm'),
      null,
    );
    assert.equal(lines.length, 1);
    assert.match(lines[0], /THUMBNAILS=on, but pdftoppm does not run here \(install poppler-utils\); thumbnails stay off/);
  });
});
