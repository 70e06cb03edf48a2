import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../config.js';
import { createPaperStore } from '../papers/store.js';
import { DIALECTS, freshDatabase } from '../testing/databases.js';
import { apiFixturePages, oaiFixtureRecords, recordSets, startFakeArxiv, type FakeArxiv } from '../testing/fake-arxiv.js';
import { API_CATS, expectedIds, fixtureCategories, harvestEnv } from '../testing/harvest-fixtures.js';
import { oaiSetsFor } from './oai-client.js';
import { fetchPaperById } from './arxiv-api.js';
import { createHarvester, createArxivHttp } from './harvester.js';
import { drainWindows, formatTotals } from './harvest.js';
import { addDays, planHarvest } from './harvest-plan.js';
import { createHarvestStore, processOwner } from './harvest-store.js';

const DAY = '2025-12-15';
const BAD_ID = 'http://arxiv.org/abs/quant-foo/0101001v1';

// Page 2 of the real API response, with one title emptied and one id in a form arXiv never used.
function apiPagesWithBadEntries(): { pages: string[]; noTitleId: string; badIdWas: string } {
  const pages = apiFixturePages();
  const entries = [...pages[1].matchAll(/<entry>[\s\S]*?<\/entry>/g)].map((m) => m[0]);
  const noTitle = entries[2];
  const noTitleId = /abs\/(\d{4}\.\d{5})/.exec(noTitle)![1];
  const badId = entries[4];
  const badIdWas = /abs\/(\d{4}\.\d{5})/.exec(badId)![1];
  pages[1] = pages[1]
    .replace(noTitle, noTitle.replace(/<title>[\s\S]*?<\/title>/, '<title>  </title>'))
    .replace(badId, badId.replace(/<id>[^<]*<\/id>/, `<id>${BAD_ID}</id>`));
  return { pages, noTitleId, badIdWas };
}

for (const dialect of DIALECTS) {
  describe(`[${dialect}] harvest against a loopback arXiv`, () => {
    let fake: FakeArxiv;
    const bad = apiPagesWithBadEntries();
    const cats = fixtureCategories();
    // A loopback arXiv for each test: the tests count the requests it saw and queue faults on it.
    beforeEach(async () => {
      fake = await startFakeArxiv({ day: DAY, apiPages: bad.pages, oaiRecords: oaiFixtureRecords(), oaiPageSize: 2 });
    });
    afterEach(() => fake.close());

    test('stores every good record once, names each bad one, rides out 503 + Retry-After, a truncated body and empty days; a second run finds nothing new', async () => {
      const db = await freshDatabase(dialect);
      try {
        const config = loadConfig(harvestEnv(fake, cats));
        const lines: string[] = [];
        const papers = createPaperStore(db);
        const h = createHarvester({ config, database: db, papers }, (l) => lines.push(l));
        // A set with a second page gets a 503 first; the third API page comes back cut in half once.
        const sets = oaiSetsFor(cats);
        const pagedSet = sets.find((s) => oaiFixtureRecords().filter((r) => recordSets(r).includes(s)).length > 2)!;
        const token = `${pagedSet}|2|${DAY}`;
        fake.fault(`oai token=${token}`, { status: 503, retryAfter: '1' });
        fake.fault(`api start=200 day=${DAY}`, { truncate: true });
        const plan = await planHarvest(h.windows, h.settings, { from: addDays(DAY, -1), until: addDays(DAY, 1) });
        assert.equal(plan.created, 3 * (1 + sets.length));
        const totals = await drainWindows(h, processOwner(), 2, plan.keys);
        assert.equal(totals.failed, 0, totals.failures.join('\n'));
        assert.equal(totals.done, plan.keys.length);

        const want = expectedIds(bad.pages, cats);
        assert.ok(!want.includes(bad.noTitleId) && !want.includes(bad.badIdWas));
        const rows = await db.db.selectFrom('papers').select('id').orderBy('id').execute();
        assert.deepEqual(
          rows.map((r) => r.id),
          want,
        );
        assert.equal(totals.inserted, want.length);
        assert.equal(await papers.count(), want.length);

        assert.ok(
          lines.some((l) => l.includes(`api::${DAY} start=100 entry 3: ${bad.noTitleId}: missing title`)),
          lines.join('\n'),
        );
        assert.ok(
          lines.some((l) => l.includes(`api::${DAY} start=100 entry 5: bad arXiv id "${BAD_ID}"`)),
          lines.join('\n'),
        );
        const retried = fake.requests.filter((r) => r.what === `oai token=${token}`);
        assert.deepEqual(
          retried.map((r) => r.status),
          [503, 200],
        );
        assert.ok(retried[1].at - retried[0].at >= 950, `Retry-After honoured (${retried[1].at - retried[0].at} ms)`);
        assert.equal(fake.requests.filter((r) => r.what === `api start=200 day=${DAY}`).length, 2);
        assert.ok(fake.requests.every((r) => /^Paperboy\/\d/.test(r.userAgent) && r.userAgent.includes('ops@example.org')));
        const stats = await h.windows.stats();
        assert.equal(stats.inserted, want.length);
        assert.equal(stats.rejected, 2);
        assert.equal(stats.errors, 2);
        assert.equal(stats.queueDepth, 0);
        assert.ok(stats.lastSuccessAt);

        // Again: every window stops after its first page, as nothing on it is new.
        const before = fake.requests.length;
        const again = await planHarvest(h.windows, h.settings, { from: addDays(DAY, -1), until: addDays(DAY, 1) });
        assert.equal(again.reopened, plan.keys.length);
        const second = await drainWindows(h, processOwner(), 2, again.keys);
        assert.equal(second.inserted + second.updated, 0);
        assert.match(formatTotals(second), /^harvest: nothing new/);
        assert.equal(fake.requests.length - before, plan.keys.length);
        assert.equal(await papers.count(), want.length);
      } finally {
        await db.destroy();
      }
    });

    test('a page that stays broken fails its window (named in the log, no crash); the next run resumes at its cursor', async () => {
      const db = await freshDatabase(dialect);
      try {
        const config = loadConfig({ ...harvestEnv(fake, API_CATS), HARVEST_SOURCES: 'api' });
        const lines: string[] = [];
        const papers = createPaperStore(db);
        const h = createHarvester({ config, database: db, papers }, (l) => lines.push(l));
        const what = `api start=300 day=${DAY}`;
        fake.fault(what, ...Array.from({ length: 4 }, () => ({ truncate: true })));
        const plan = await planHarvest(h.windows, h.settings, { from: DAY, until: DAY });
        const first = await drainWindows(h, processOwner(), 1, plan.keys);
        assert.equal(first.failed, 1);
        assert.equal(first.inserted, 300 - 2);
        assert.ok(
          lines.some((l) => l.startsWith(`harvest: api::${DAY} failed: http: `) && l.includes('malformed XML')),
          lines.join('\n'),
        );
        const w = await h.windows.get(`api::${DAY}`);
        assert.equal(w?.status, 'failed');
        assert.deepEqual(w?.cursor, { start: 300 });
        const pagesBefore = fake.requests.filter((r) => r.what === `api start=0 day=${DAY}`).length;
        await planHarvest(h.windows, h.settings, { from: DAY, until: DAY });
        const second = await drainWindows(h, processOwner(), 1, plan.keys);
        assert.equal(second.failed, 0);
        assert.equal(second.inserted, 200);
        assert.equal(fake.requests.filter((r) => r.what === `api start=0 day=${DAY}`).length, pagesBefore, 'resumed, not restarted');
        assert.equal(await papers.count(), 500 - 2);
      } finally {
        await db.destroy();
      }
    });
  });
}

test('[postgres] two claimers at once never get the same window', async () => {
  const db = await freshDatabase('postgres');
  const { openDatabase } = await import('../storage/database.js');
  const other = await openDatabase(db.url);
  try {
    const a = createHarvestStore(db);
    const b = createHarvestStore(other);
    const specs = Array.from({ length: 20 }, (_, i) => ({ source: 'api' as const, setSpec: '', day: addDays('2026-01-01', i) }));
    await a.plan(specs, { runAfter: new Date().toISOString(), reopenFrom: null });
    const got: string[] = [];
    await Promise.all(
      [a, b].map(async (s, n) => {
        for (;;) {
          const w = await s.claim(`elsewhere:1#${n}`, 60_000);
          if (!w) return;
          got.push(w.key);
        }
      }),
    );
    assert.equal(got.length, 20);
    assert.equal(new Set(got).size, 20);
  } finally {
    await other.close();
    await db.destroy();
  }
});

test('fetching one paper by id reads the legacy Atom format; an unknown id gives null', async () => {
  const fake = await startFakeArxiv({ day: DAY });
  try {
    const config = loadConfig(harvestEnv(fake, API_CATS));
    const http = createArxivHttp(config);
    const p = await fetchPaperById(http, fake.apiUrl, 'arXiv:1601.00001');
    assert.equal(p?.id, '1601.00001');
    assert.ok(p?.doi);
    assert.equal(await fetchPaperById(http, fake.apiUrl, '2401.00001'), null);
    await assert.rejects(fetchPaperById(http, fake.apiUrl, 'nope'), /arxiv-api: "nope" is not an arXiv id/);
  } finally {
    await fake.close();
  }
});
