import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { snapshotToRecord, importFiles, defaultReaders } from './import.js';
import { atomEntryToRecord } from './formats/atom.js';
import { createPaperStore } from './store.js';
import { freshDatabase } from '../testing/databases.js';
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
