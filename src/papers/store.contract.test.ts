import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { fixtureFile, fixtureFiles } from '../testing/fixtures.js';
import { buildPaper } from './paper.js';
import { createPaperStore, type PaperStore } from './store.js';
import { importFiles } from './import.js';

// One contract, every store operation, run against SQLite and PostgreSQL; each test on a fresh
// database, so any test runs alone or in any order.
for (const dialect of DIALECTS) {
  describe(`papers store contract [${dialect}]`, () => {
    let db: TestDatabase;
    let store: PaperStore;
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      store = createPaperStore(db);
    });
    afterEach(async () => db.destroy());

    test('insert, then the same record again is unchanged', async () => {
      const p = buildPaper({ id: '2401.10001', title: 'Attention <is> all & you need $x^2$' });
      assert.deepEqual(await counts(store.upsertMany([p])), [1, 0, 0]);
      assert.deepEqual(await counts(store.upsertMany([p])), [0, 0, 1]);
      const got = await store.get('2401.10001');
      assert.equal(got?.title, 'Attention <is> all & you need $x^2$');
      assert.deepEqual(got?.authors, ['Ada Lovelace', 'Alan Turing']);
      assert.deepEqual(got?.categories, ['cs.LG', 'stat.ML']);
      assert.equal(got?.githubRepo, null);
    });

    test('text is stored byte for byte: backslashes, tabs, line breaks, LaTeX, markup characters and any Unicode', async () => {
      // PostgreSQL's write path copies rows in COPY's text format, where backslash, tab, newline and
      // CR are the format's own; a value that looks like its NULL or end marker is text too.
      const p = buildPaper({
        id: '2401.10010',
        title: 'On $\\mathcal{O}(n\\log n)$ \\emph{sorting}\tand\nlines\r\nof <b>&amp;</b> & <script> "quotes" \\',
        abstract: '\\N\n\\.\nA \\\\ backslash pair, a \\t that is not a tab, Ünïcödé 数学 עברית 🧪 e\u0301, and\ttabs\t\tin a row.\n',
        authors: ["Bal\\'azs Tab\tName", 'Ωmega \\ Person'],
        categories: ['cs.LG', 'math.CO', 'cs.LG'],
        comments: 'C:\\path\\to\\file\r',
        journalRef: '\\N',
        doi: '10.1000/\\x',
        license: '',
      });
      assert.deepEqual(await counts(store.upsertMany([p])), [1, 0, 0]);
      const got = await store.get(p.id);
      for (const field of ['title', 'abstract', 'authors', 'comments', 'journalRef', 'doi', 'license', 'categories'] as const) {
        assert.deepEqual(got?.[field], field === 'categories' ? ['cs.LG', 'math.CO', 'cs.LG'] : p[field], field);
      }
      assert.deepEqual(await counts(store.upsertMany([p])), [0, 0, 1]);
      assert.deepEqual(
        (await store.listNewest({ limit: 10, category: 'math.CO' })).map((x) => x.id),
        [p.id],
      );
    });

    test('writers upserting the same new papers at once count each paper inserted once', async () => {
      // Harvest workers do this: an API window and an OAI window that both hold a paper. Each
      // writer's lookup may find the paper absent; what it then reports must still add up.
      const batch = (n: number) =>
        Array.from({ length: 200 }, (_, i) => buildPaper({ id: `2401.${String(20000 + i)}`, title: `Paper ${i}`, abstract: `writer ${n % 2}` }));
      const all = await Promise.all([0, 1, 2, 3].map((n) => store.upsertMany(batch(n))));
      const inserted = all.reduce((sum, s) => sum + s.inserted, 0);
      assert.equal(inserted, 200);
      assert.equal(await store.count(), 200);
      for (const s of all) assert.equal(s.inserted + s.updated + s.unchanged, 200);
    });

    test('a newer version replaces, an older one never does; member links survive', async () => {
      await store.upsertMany([buildPaper({ id: '2401.10002', version: 2, title: 'v2 title' })]);
      assert.equal(await store.setLinks('2401.10002', { githubRepo: 'https://github.com/a/b' }), true);
      assert.deepEqual(await counts(store.upsertMany([buildPaper({ id: '2401.10002', version: 1, title: 'v1 title' })])), [0, 0, 1]);
      assert.equal((await store.get('2401.10002'))?.title, 'v2 title');
      assert.deepEqual(await counts(store.upsertMany([buildPaper({ id: '2401.10002', version: 3, title: 'v3 title', categories: ['cs.CL'] })])), [0, 1, 0]);
      const p = await store.get('2401.10002');
      assert.equal(p?.title, 'v3 title');
      assert.equal(p?.version, 3);
      assert.equal(p?.githubRepo, 'https://github.com/a/b');
      assert.deepEqual(
        (await store.listNewest({ limit: 10, category: 'cs.CL' })).map((x) => x.id),
        ['2401.10002'],
      );
      assert.equal(
        (await store.listNewest({ limit: 10, category: 'cs.LG' })).some((x) => x.id === '2401.10002'),
        false,
      );
    });

    test('within one batch the newest version of an id wins', async () => {
      const s = await store.upsertMany([
        buildPaper({ id: '2401.10003', version: 2, title: 'second' }),
        buildPaper({ id: '2401.10003', version: 1, title: 'first' }),
      ]);
      assert.equal(s.inserted, 1);
      assert.equal((await store.get('2401.10003'))?.title, 'second');
    });

    test('unknown version (OAI-PMH) is ordered by updated date and keeps the known version', async () => {
      await store.upsertMany([buildPaper({ id: '2401.10004', version: 4, updatedAt: '2024-03-01T00:00:00.000Z', title: 'known v4' })]);
      await store.upsertMany([buildPaper({ id: '2401.10004', version: 0, updatedAt: '2024-02-01T00:00:00.000Z', title: 'older' })]);
      assert.equal((await store.get('2401.10004'))?.title, 'known v4');
      await store.upsertMany([buildPaper({ id: '2401.10004', version: 0, updatedAt: '2024-04-01T00:00:00.000Z', title: 'newer' })]);
      const p = await store.get('2401.10004');
      assert.equal(p?.title, 'newer');
      assert.equal(p?.version, 4);
    });

    test('listNewest pages by (published, id) without gaps or repeats; count; getMany keeps order', async () => {
      const recs = Array.from({ length: 7 }, (_, i) =>
        buildPaper({ id: `2402.2000${i}`, publishedAt: `2030-01-0${1 + (i % 3)}T00:00:00.000Z`, categories: ['math.CO'] }),
      );
      await store.upsertMany(recs);
      const seen: string[] = [];
      let page = await store.listNewest({ limit: 3, category: 'math.CO' });
      while (page.length) {
        seen.push(...page.map((p) => p.id));
        const last = page[page.length - 1];
        page = await store.listNewest({ limit: 3, category: 'math.CO', before: { publishedAt: last.publishedAt, id: last.id } });
      }
      assert.equal(seen.length, 7);
      assert.equal(new Set(seen).size, 7);
      assert.deepEqual(seen.slice(0, 3), ['2402.20005', '2402.20002', '2402.20004']);
      assert.equal(await store.count(), 7);
      assert.deepEqual(
        (await store.getMany(['2402.20003', 'nope', '2402.20001'])).map((p) => p.id),
        ['2402.20003', '2402.20001'],
      );
      assert.equal(await store.get('9999.99999'), null);
    });

    test('snapshot import: 200 inserted, then 200 unchanged', async () => {
      const file = fixtureFile('arxiv-metadata/kaggle-oai-snapshot-head200.jsonl');
      const first = await importFiles(store, [file]);
      assert.deepEqual([first.inserted, first.updated, first.unchanged, first.rejected], [200, 0, 0, 0]);
      const second = await importFiles(store, [file]);
      assert.deepEqual([second.inserted, second.updated, second.unchanged, second.rejected], [0, 0, 200, 0]);
      assert.equal((await store.get('0704.0001'))?.authors[1], 'E. L. Berger');
    });

    test('Atom (legacy and new format) and OAI-PMH files import with their fields', async () => {
      const s = await importFiles(store, [...fixtureFiles('arxiv-api/atom'), ...fixtureFiles('arxiv-api/oai-pmh')]);
      assert.equal(s.rejected, 0);
      assert.ok(s.inserted >= 500, `inserted ${s.inserted}`);
      const legacy = await store.get('1601.00001');
      assert.equal(legacy?.doi, '10.1063/1.4944470');
      assert.equal(legacy?.journalRef, 'J. Chem. Phys. 144, 124107 (2016)');
      assert.deepEqual(legacy?.categories, ['cond-mat.mes-hall']);
      const modern = await store.get('2512.13690');
      assert.equal(modern?.title, 'DiffusionBrowser: Interactive Diffusion Previews via Multi-Branch Decoders');
      assert.equal(modern?.categories[0], 'cs.CV');
      assert.equal(modern?.comments, 'Project page: https://susunghong.github.io/DiffusionBrowser');
      assert.equal(modern?.authors[0], 'Susung Hong');
      const oai = await store.get('1412.8323');
      assert.equal(oai?.authors[0], 'Philipp A Hoehn');
      assert.equal(oai?.license, 'http://creativecommons.org/licenses/by/4.0/');
      assert.equal(oai?.publishedAt, '2014-12-29T00:00:00.000Z');
    });
  });
}

async function counts(p: Promise<{ inserted: number; updated: number; unchanged: number }>) {
  const s = await p;
  return [s.inserted, s.updated, s.unchanged];
}
