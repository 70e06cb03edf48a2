import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { snapshotToRecord, importFiles, defaultReaders } from './import.js';
import { atomEntryToRecord } from './formats/atom.js';
import { createPaperStore, type PaperStore, type UpsertSummary } from './store.js';
import type { PaperRecord } from './paper.js';
import { DIALECTS, freshDatabase } from '../testing/databases.js';
import { waitFor } from '../testing/wait.js';
import { storageFailureCause } from '../storage/unavailable.js';
import { fixtureFile, fixtureSourceRecords } from '../testing/fixtures.js';
import { writeSyntheticSnapshot } from '../../bench/synthetic.js';

const HEAD200 = fixtureFile('arxiv-metadata/kaggle-oai-snapshot-head200.jsonl');

test('snapshot record: authors from authors_parsed with TeX accents, dates from versions, clean text', () => {
  const line = fs.readFileSync(HEAD200, 'utf8').split('\n')[0];
  const r = snapshotToRecord(JSON.parse(line));
  assert.equal(r.id, '0704.0001');
  assert.equal(r.version, 2);
  assert.equal(r.authors[0], 'C. Balázs');
  assert.equal(r.authors.length, 4);
  assert.equal(r.title, 'Calculation of prompt diphoton production cross sections at Tevatron and LHC energies');
  assert.equal(r.publishedAt, '2007-04-02T19:18:42.000Z');
  assert.ok(r.updatedAt > r.publishedAt);
  assert.deepEqual(r.categories, ['hep-ph']);
  assert.equal(r.doi, '10.1103/PhysRevD.76.013009');
  assert.ok(!r.abstract.includes('\n') && !r.abstract.startsWith(' '));
});

test('control characters in imported and harvested titles and abstracts are dropped (they reached the HTML raw)', () => {
  const line = JSON.parse(fs.readFileSync(HEAD200, 'utf8').split('\n')[0]);
  const r = snapshotToRecord({ ...line, title: 'Prompt\u0000 diphoton\u001b[2J \u0007production\u007f', abstract: 'We\u0008 compute\u0085 it.\u000b' });
  assert.equal(r.title, 'Prompt diphoton[2J production');
  assert.equal(r.abstract, 'We compute it.');
  const atom = atomEntryToRecord({
    id: 'http://arxiv.org/abs/2605.00001v1',
    title: 'A\u0001 title\u001f',
    summary: 'An\u0002 abstract',
    published: '2026-05-01T00:00:00Z',
    updated: '2026-05-01T00:00:00Z',
    author: [{ name: 'Ada\u0003 Lovelace' }],
    category: [{ '@term': 'cs.LG' }],
    primary_category: { '@term': 'cs.LG' },
  });
  assert.deepEqual([atom.title, atom.abstract, atom.authors[0]], ['A title', 'An abstract', 'Ada Lovelace']);
});

test('import of a broken file keeps the good lines and names the bad ones', async () => {
  const db = await freshDatabase('sqlite');
  try {
    const lines = fs.readFileSync(HEAD200, 'utf8').split('\n').slice(0, 3);
    const noTitle = JSON.parse(lines[1]);
    noTitle.title = '  ';
    const badId = JSON.parse(lines[2]);
    badId.id = 'not-an-id';
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pb-')), 'bad.jsonl');
    fs.writeFileSync(file, [lines[0], '{"id": "0704.0009", "title": ', JSON.stringify(noTitle), JSON.stringify(badId), ''].join('\n'));
    const s = await importFiles(createPaperStore(db), [file]);
    assert.equal(s.inserted, 1);
    assert.equal(s.rejected, 3);
    assert.deepEqual(
      s.rejections.map((r) => r.where),
      ['line 2', 'line 3', 'line 4'],
    );
    assert.match(s.rejections[0].reason, /invalid JSON/);
    assert.match(s.rejections[1].reason, /0704\.0002: missing title/);
    assert.match(s.rejections[2].reason, /bad arXiv id "not-an-id"/);
  } finally {
    await db.destroy();
  }
});

/** A snapshot line for `id` (the Kaggle layout), with fields to override. */
function snapshotLine(id: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id,
    authors: 'Ada Lovelace, Alan Turing',
    title: `Paper ${id}`,
    abstract: `An abstract of ${id}.`,
    categories: 'cs.LG stat.ML',
    comments: null,
    versions: [{ version: 'v1', created: 'Mon, 1 Jan 2024 12:00:00 GMT' }],
    authors_parsed: [
      ['Lovelace', 'Ada', ''],
      ['Turing', 'Alan', ''],
    ],
    ...fields,
  });
}

for (const dialect of DIALECTS) {
  test(`[${dialect}] import counts: fresh, run again, changed content, an id repeated in the file, rejected lines by number`, async () => {
    const db = await freshDatabase(dialect);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-counts-'));
    try {
      const store = createPaperStore(db);
      const ids = Array.from({ length: 25 }, (_, i) => `2403.${String(10000 + i)}`);
      const file = path.join(dir, 'a.jsonl');
      const lines = ids.map((id) => snapshotLine(id));
      // Bad lines between good ones, and the file's last line without its newline.
      lines.splice(3, 0, '{"id": "2403.09999", "title": ');
      lines.splice(10, 0, snapshotLine('2403.09998', { title: ' ' }));
      lines.splice(20, 0, snapshotLine('not-an-id'));
      fs.writeFileSync(file, lines.join('\n'));
      const summary = (s: { inserted: number; updated: number; unchanged: number; rejected: number }) => [s.inserted, s.updated, s.unchanged, s.rejected];
      const first = await importFiles(store, [file], { batchSize: 4 });
      assert.deepEqual(summary(first), [25, 0, 0, 3]);
      assert.deepEqual(
        first.rejections.map((r) => r.where),
        ['line 4', 'line 11', 'line 21'],
      );
      assert.match(first.rejections[1].reason, /2403\.09998: missing title/);
      assert.deepEqual(summary(await importFiles(store, [file], { batchSize: 4 })), [0, 0, 25, 3]);

      // Changed content: 5 papers with a new abstract, one of them at a new version; one line
      // repeats an id with another change further down (it lands in a later batch), so the later
      // line is the one kept; and 2 new papers.
      const changed = path.join(dir, 'b.jsonl');
      const next = ids.map((id, i) =>
        i % 5 === 0
          ? snapshotLine(id, {
              abstract: `Revised \\ abstract\tof ${id} <&> ü.`,
              ...(i === 5
                ? {
                    versions: [
                      { version: 'v1', created: 'Mon, 1 Jan 2024 12:00:00 GMT' },
                      { version: 'v2', created: 'Tue, 2 Jan 2024 12:00:00 GMT' },
                    ],
                  }
                : {}),
            })
          : snapshotLine(id),
      );
      next.push(snapshotLine(ids[10], { title: 'Once more, a later line' }), snapshotLine('2403.20000'), snapshotLine('2403.20001'));
      fs.writeFileSync(changed, `${next.join('\n')}\n`);
      const third = await importFiles(store, [changed], { batchSize: 4 });
      // ids[10] is counted in both of its batches: updated, then updated again.
      assert.deepEqual(summary(third), [2, 6, 20, 0]);
      assert.equal((await store.get(ids[10]))?.title, 'Once more, a later line');
      assert.equal((await store.get(ids[5]))?.version, 2);
      assert.equal((await store.get(ids[0]))?.abstract, `Revised \\ abstract of ${ids[0]} <&> ü.`);
      // Run again, the file ends with the same papers; the repeated id's two lines still differ, so
      // each of them updates it once more (issue #24 finding 1: repeats are fine, not an error).
      assert.deepEqual(summary(await importFiles(store, [changed], { batchSize: 4 })), [0, 2, 26, 0]);
      assert.equal((await store.get(ids[10]))?.title, 'Once more, a later line');
      assert.equal(await store.count(), 27);
    } finally {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`[${dialect}] imported text is stored as the file has it: LaTeX, backslashes, markup characters, any Unicode`, async () => {
    const db = await freshDatabase(dialect);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-text-'));
    try {
      const title = String.raw`The $\mathbb{Z}_2$ \textit{index} of \\ \N \. C:\path <b>&amp;</b> & "q" — Ünïcödé 数学 עברית 🧪 e` + '\u0301';
      const abstract = String.raw`We show $\sum_{i=1}^n \alpha_i \leq \frac{1}{2}$ where \t is not a tab; \\n is not a line break\ `;
      const file = path.join(dir, 'text.jsonl');
      // Line breaks and tabs inside a field are folded into spaces by the import (cleanText).
      fs.writeFileSync(file, `${snapshotLine('2404.10001', { title, abstract: `${abstract}\n\tmore` })}\n`);
      assert.equal((await importFiles(store(db), [file])).inserted, 1);
      const p = await store(db).get('2404.10001');
      assert.equal(p?.title, title);
      assert.equal(p?.abstract, `${abstract.trimEnd()} more`);
      assert.equal((await importFiles(store(db), [file])).unchanged, 1);
    } finally {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

function store(db: Parameters<typeof createPaperStore>[0]): PaperStore {
  return createPaperStore(db);
}

test('a store that writes on several connections gets overlapping batches, but never two holding the same paper', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-writers-'));
  try {
    const file = path.join(dir, 'w.jsonl');
    // Batches of two: [A, B], [C, A again], [D, E]. The second holds A, so it waits for the first;
    // the third shares nothing with the second and is written beside it.
    fs.writeFileSync(file, ['2405.10001', '2405.10002', '2405.10003', '2405.10001', '2405.10004', '2405.10005'].map((id) => snapshotLine(id)).join('\n'));
    const calls: { ids: string[]; release: () => void; overlapped: boolean }[] = [];
    const active = new Set<(typeof calls)[number]>();
    let most = 0;
    let closing = false;
    const fake = {
      bulkWriters: 2,
      async bulkLoad<T>(run: () => Promise<T>) {
        return run();
      },
      upsertMany(records: PaperRecord[]): Promise<UpsertSummary> {
        const ids = records.map((r) => r.id);
        return new Promise((resolve) => {
          const call = {
            ids,
            overlapped: [...active].some((a) => a.ids.some((id) => ids.includes(id))),
            release: () => {
              active.delete(call);
              resolve({ inserted: records.length, updated: 0, unchanged: 0, outcomes: new Map() });
            },
          };
          calls.push(call);
          active.add(call);
          most = Math.max(most, active.size);
          if (closing) call.release();
        });
      },
    } as unknown as PaperStore;
    const done = importFiles(fake, [file], { batchSize: 2 });
    try {
      await waitFor(() => calls.length >= 1, { what: 'the first batch' });
      assert.equal(calls.length, 1, "the second batch holds the first one's paper, so it waits");
      calls[0].release();
      await waitFor(() => calls.length >= 3, { what: 'the second batch, once the first is written, and the third beside it' });
      calls[1].release();
      calls[2].release();
      assert.equal((await done).inserted, 6);
    } finally {
      // A failed assertion leaves no import waiting on its reader threads.
      closing = true;
      for (const c of calls) c.release();
      await done.catch(() => {});
    }
    assert.deepEqual(
      calls.map((c) => [c.ids, c.overlapped]),
      [
        [['2405.10001', '2405.10002'], false],
        [['2405.10003', '2405.10001'], false],
        [['2405.10004', '2405.10005'], false],
      ],
    );
    assert.equal(most, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a large plain file read in chunks by several readers gives what one reader of the same file gzipped gives', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-chunks-'));
  const plainDb = await freshDatabase('sqlite');
  const gzDb = await freshDatabase('sqlite');
  try {
    const synthetic = path.join(dir, 'synthetic.jsonl');
    await writeSyntheticSnapshot(synthetic, 6000, fixtureSourceRecords());
    // Bad lines spread over the file (several chunks), CRLF and lone-CR line ends, blank lines,
    // and a later version of an earlier paper.
    const lines = fs.readFileSync(synthetic, 'utf8').split('\n').filter(Boolean);
    const out: string[] = [];
    lines.forEach((l, i) => {
      if (i % 1000 === 500) out.push('{"broken": ');
      if (i % 1500 === 700) out.push('');
      out.push(i % 7 === 3 ? `${l}\r` : l);
      if (i === 4000) out.push(`${l.replace(/"v1"/, '"v3"').replace(/"title":"/, '"title":"Later ')}\r{"id": "not-an-id", "title": "x"}`);
    });
    const plain = path.join(dir, 'snapshot.jsonl');
    fs.writeFileSync(plain, out.join('\n') + '\n');
    assert.ok(fs.statSync(plain).size > 8 << 20, 'big enough for chunked reading');
    fs.writeFileSync(`${plain}.gz`, zlib.gzipSync(fs.readFileSync(plain)));
    const a = await importFiles(createPaperStore(plainDb), [plain], { batchSize: 700, readers: 3 });
    const b = await importFiles(createPaperStore(gzDb), [`${plain}.gz`], { batchSize: 700 });
    assert.deepEqual(a, b);
    assert.equal(a.rejected, 7);
    assert.equal(a.rejections[0].where, 'line 501');
    const dump = (db: typeof plainDb) => db.sqlite!.prepare('SELECT id, version, title, content_hash FROM papers ORDER BY id').all();
    assert.deepEqual(dump(plainDb), dump(gzDb));
    assert.equal(dump(plainDb).length, 6000);
  } finally {
    await plainDb.destroy();
    await gzDb.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('snapshot readers leave the writer a core of its own, and are at most two', () => {
  assert.deepEqual([1, 2, 3, 4, 16].map(defaultReaders), [1, 1, 2, 2, 2]);
});

test('a snapshot import checkpoints the WAL in large steps, and restores the setting after', async () => {
  const db = await freshDatabase('sqlite');
  try {
    const autocheckpoint = () => Number(db.sqlite!.pragma('wal_autocheckpoint', { simple: true }));
    const before = autocheckpoint();
    const during: number[] = [];
    await importFiles(createPaperStore(db), [HEAD200], { onBatch: () => during.push(autocheckpoint()) });
    assert.ok(during.length > 0 && during.every((n) => n > before), `during: ${during}`);
    assert.equal(autocheckpoint(), before);
  } finally {
    await db.destroy();
  }
});

test('an import that runs out of disk stops with SQLite\'s disk-full error, not "cannot rollback"', async () => {
  const db = await freshDatabase('sqlite');
  try {
    // A database allowed five more pages stands for a full disk.
    db.sqlite!.pragma(`max_page_count = ${Number(db.sqlite!.pragma('page_count', { simple: true })) + 5}`);
    const failed = await importFiles(createPaperStore(db), [HEAD200]).then(
      () => null,
      (e: Error & { code?: string }) => e,
    );
    assert.ok(failed, 'the import failed');
    assert.equal(failed.code, 'SQLITE_FULL', failed.message);
    assert.match(storageFailureCause(failed) ?? '', /^storage: the disk holding the database is full \(SQLITE_FULL: database or disk is full\)/);
  } finally {
    await db.destroy();
  }
});
