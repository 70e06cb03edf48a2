import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { buildPaper } from '../../papers/paper.js';
import { createPaperStore } from '../../papers/store.js';
import { DIALECTS, freshDatabase } from '../../testing/databases.js';
import { readFixture } from '../../testing/fixtures.js';
import { REPO_ROOT } from '../../testing/paths.js';
import { waitFor } from '../../testing/wait.js';
import { feedOrigin } from './change-feed.js';
import { FeedIndex, refreshFeedIndexFile } from './feed-index.js';
import { createLexicalIndex } from './index.js';
import { DEFAULT_COLUMN_WEIGHTS } from './types.js';

const W = DEFAULT_COLUMN_WEIGHTS;

const papers = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    buildPaper({ id: `2502.${String(10000 + i)}`, title: `Quokka study ${i}`, abstract: 'Marsupials of Rottnest Island.', authors: ['Ada Lovelace'] }),
  );

const ids = async (lex: ReturnType<typeof createLexicalIndex>, q: string) => (await lex.search(q, { limit: 100 })).map((h) => h.id).sort();

for (const dialect of DIALECTS) {
  test(`[${dialect}] a saved index is loaded and caught up with what changed since, not rebuilt; one of another database is rebuilt`, async () => {
    const db = await freshDatabase(dialect);
    const other = await freshDatabase(dialect);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-feed-'));
    const file = path.join(dir, 'models', 'lexical.bm25');
    try {
      const store = createPaperStore(db);
      await store.upsertMany(papers(50));
      const built = await refreshFeedIndexFile(db, file, W);
      assert.equal(built.papers, 50);
      assert.equal(built.m.maxRowid, 50);
      built.close();
      // Meanwhile: one paper added, one changed in place, one deleted.
      await store.upsertMany([buildPaper({ id: '2503.00001', title: 'Wallaby hops', abstract: 'Tails.' })]);
      await store.upsertMany([buildPaper({ ...papers(4)[3], version: 2, title: 'Bandicoot burrows', abstract: 'Marsupials dig.' })]);
      await db.db.deleteFrom('papers').where('id', '=', '2502.10007').execute();
      // A new process loads the file and catches up.
      const lex = createLexicalIndex(db, { memoryIndexPath: file });
      await lex.search('quokka', { limit: 1 });
      await lex.settled();
      assert.equal(lex.building?.(), false);
      assert.deepEqual(await ids(lex, 'wallaby'), ['2503.00001']);
      assert.deepEqual(await ids(lex, 'bandicoot'), ['2502.10003']);
      const quokkas = await ids(lex, 'quokka');
      assert.equal(quokkas.length, 48);
      assert.ok(!quokkas.includes('2502.10003') && !quokkas.includes('2502.10007'));
      // Loaded and caught up: the rows go on from the saved ones, and the changed and deleted
      // papers' old rows are killed (a rebuild would number 50 rows from 1, none killed).
      const again = await refreshFeedIndexFile(db, file, W);
      assert.deepEqual([again.m.maxRowid, again.m.deadRows, again.papers], [52, 2, 50]);
      again.close();
      // The same file in front of another database (DATA_DIR moved): not loaded, so rebuilt.
      assert.equal(await FeedIndex.load(file, W, await feedOrigin(other)), null);
      await createPaperStore(other).upsertMany(papers(2));
      const rebuilt = await refreshFeedIndexFile(other, file, W);
      assert.deepEqual([rebuilt.m.maxRowid, rebuilt.m.deadRows, rebuilt.papers], [2, 0, 2]);
      rebuilt.close();
    } finally {
      await db.destroy();
      await other.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`[${dialect}] a process with an empty DATA_DIR starts from LEXICAL_INDEX_SEED (an import's file), catches up and saves its own, leaving the seed as it was`, async () => {
    const db = await freshDatabase(dialect);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-feed-'));
    const seed = path.join(dir, 'cli', 'models', 'lexical.bm25');
    const own = path.join(dir, 'web', 'models', 'lexical.bm25');
    try {
      const store = createPaperStore(db);
      await store.upsertMany(papers(50));
      (await refreshFeedIndexFile(db, seed, W)).close();
      const seedBytes = fs.readFileSync(seed);
      // Written after the import: one paper added, one changed in place.
      await store.upsertMany([buildPaper({ id: '2503.00001', title: 'Wallaby hops', abstract: 'Tails.' })]);
      await store.upsertMany([buildPaper({ ...papers(4)[3], version: 2, title: 'Bandicoot burrows', abstract: 'Marsupials dig.' })]);
      const lex = createLexicalIndex(db, { memoryIndexPath: own, memoryIndexSeed: seed });
      await lex.search('quokka', { limit: 1 });
      await lex.settled();
      assert.deepEqual(await ids(lex, 'wallaby'), ['2503.00001']);
      assert.deepEqual(await ids(lex, 'bandicoot'), ['2502.10003']);
      assert.equal((await ids(lex, 'quokka')).length, 49);
      await waitFor(() => fs.existsSync(own), { what: 'the process to save its own index file' });
      // Its own file goes on from the seed's 50 rows (the changed paper's old row killed); built
      // from the papers it would number 51 rows from 1, none killed.
      const saved = await FeedIndex.load(own, W, await feedOrigin(db));
      assert.deepEqual([saved?.m.maxRowid, saved?.m.deadRows, saved?.papers], [52, 1, 51]);
      saved?.close();
      assert.ok(fs.readFileSync(seed).equals(seedBytes), 'the seed is not written');
    } finally {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`[${dialect}] paperboy import leaves the in-memory lexical index file built in DATA_DIR`, async () => {
    const db = await freshDatabase(dialect);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-feed-'));
    try {
      const snapshot = path.join(dir, 'head.jsonl');
      fs.writeFileSync(snapshot, readFixture('arxiv-metadata/kaggle-oai-snapshot-head200.jsonl'));
      const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist/src/cli.js'), 'import', snapshot, '--quiet'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, DATA_DIR: dir },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /index: in-memory lexical index of 200 papers saved/);
      const saved = await FeedIndex.load(path.join(dir, 'models', 'lexical.bm25'), W, await feedOrigin(db));
      assert.equal(saved?.papers, 200);
      saved?.close();
    } finally {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a web process loads (here: builds and saves) its lexical index when it starts, before any search', async () => {
  const db = await freshDatabase('sqlite');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-feed-'));
  const file = path.join(dir, 'models', 'lexical.bm25');
  await createPaperStore(db).upsertMany(papers(20));
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/src/cli.js'), 'serve'], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, DATA_DIR: dir, PORT: '0', SERVICES: 'web', EMBEDDER: 'none', LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  try {
    await waitFor(() => fs.existsSync(file), { what: 'the web process to save its lexical index' });
    const saved = await FeedIndex.load(file, W, await feedOrigin(db));
    assert.equal(saved?.papers, 20);
    saved?.close();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

for (const dialect of DIALECTS) {
  test(`[${dialect}] the index catches up every few seconds without a search, and is rebuilt once a tenth of its rows are killed`, async () => {
    const db = await freshDatabase(dialect);
    try {
      const store = createPaperStore(db);
      await store.upsertMany(papers(30));
      const lex = createLexicalIndex(db, { rebuildDeadMin: 3 });
      lex.start?.();
      await lex.settled();
      assert.match(lex.contentMark?.() ?? '', /:30\.0$/);
      // A new paper: taken from the feed by the timer, no search asked.
      await store.upsertMany([buildPaper({ id: '2503.00001', title: 'Wallaby hops', abstract: 'Tails.' })]);
      await waitFor(() => /:31\.0$/.test(lex.contentMark?.() ?? ''), { what: 'the index to catch up on its own' });
      // Four papers changed in place: 4 of 35 rows killed, past a tenth, so the catch-up of the
      // next search rebuilds the index: 31 rows again, none killed.
      await store.upsertMany(papers(4).map((p) => ({ ...p, version: 2, title: `${p.title} revised` })));
      assert.deepEqual(await ids(lex, 'revised'), ['2502.10000', '2502.10001', '2502.10002', '2502.10003']);
      await lex.settled();
      assert.match(lex.contentMark?.() ?? '', /:31\.0$/);
      assert.deepEqual(await ids(lex, 'revised'), ['2502.10000', '2502.10001', '2502.10002', '2502.10003']);
      assert.equal((await ids(lex, 'quokka')).length, 30);
    } finally {
      await db.destroy();
    }
  });
}

test('[sqlite] a search does not wait for a bulk catch-up (an import elsewhere): the index answers as it is meanwhile', async () => {
  const db = await freshDatabase('sqlite');
  try {
    const store = createPaperStore(db);
    await store.upsertMany(papers(10));
    const lex = createLexicalIndex(db);
    lex.start?.();
    await lex.settled();
    const many = Array.from({ length: 12_000 }, (_, i) => buildPaper({ id: `2504.${String(10000 + i)}`, title: `Wombat ${i}`, abstract: 'Burrows.' }));
    await store.upsertMany(many);
    const first = await lex.search('wombat', { limit: 20_000 });
    assert.ok(first.length < many.length, `${first.length} of ${many.length}: the search waited for the whole catch-up`);
    await waitFor(async () => (await lex.search('wombat', { limit: 20_000 })).length === many.length, { what: 'the bulk catch-up to finish' });
  } finally {
    await db.destroy();
  }
});

test('[sqlite] a catch-up lets the event loop turn every 100 papers, not only between pages of 1,000', async () => {
  const db = await freshDatabase('sqlite');
  try {
    await createPaperStore(db).upsertMany(papers(250));
    const index = FeedIndex.empty(W, (await feedOrigin(db)).origin);
    const seen: number[] = [];
    await index.catchUp(db, async () => {
      seen.push(index.papers);
    });
    assert.deepEqual(seen, [100, 200, 250]);
    index.close();
  } finally {
    await db.destroy();
  }
});
