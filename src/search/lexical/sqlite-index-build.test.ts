import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, freshDatabase } from '../../testing/databases.js';
import { buildPaper } from '../../papers/paper.js';
import { createPaperStore } from '../../papers/store.js';
import { createLexicalIndex } from './index.js';
import { buildSearchIndex, deferSearchIndexing, searchIndexState, STALE_DEFERRAL_MS } from './sqlite-index-build.js';
import { createJobRunner } from '../../jobs/runner.js';
import { searchIndexJob } from '../../jobs/definitions.js';
import type { Database } from '../../storage/database.js';

/** The worker role's index job alone on a runner; the returned function stops it. */
function startIndexWorker(db: Database, log: (line: string) => void, everyMs: number): () => Promise<void> {
  const runner = createJobRunner([searchIndexJob(db, log, everyMs)], { log });
  runner.start();
  return () => runner.stop();
}
import { waitFor } from '../../testing/wait.js';

const ids = async (lex: ReturnType<typeof createLexicalIndex>, q: string) => (await lex.search(q, { limit: 100 })).map((h) => h.id).sort();

const papers = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) =>
    buildPaper({
      id: `2502.${String(10000 + from + i)}`,
      title: `Quokka study number ${from + i}`,
      abstract: `Marsupials ${(from + i) % 2 ? 'odd' : 'even'}.`,
    }),
  );

for (const dialect of DIALECTS) {
  test(`[${dialect}] papers written while indexing is deferred are in the store at once and searchable after the build`, async () => {
    const db = await freshDatabase(dialect);
    try {
      const store = createPaperStore(db);
      const lex = createLexicalIndex(db);
      await store.upsertMany([buildPaper({ id: '2501.00001', title: 'Wombat burrows', abstract: 'Digging.' })]);
      await deferSearchIndexing(db);
      await store.upsertMany(papers(30));
      assert.equal(await store.count(), 31);
      assert.equal((await store.get('2502.10007'))?.title, 'Quokka study number 7');
      if (dialect === 'sqlite') {
        assert.deepEqual(await ids(lex, 'quokka'), [], 'not indexed yet while deferred');
        assert.equal((await searchIndexState(db)).pending, 30);
      }
      assert.deepEqual(await ids(lex, 'wombat'), ['2501.00001'], 'papers indexed before stay findable');
      const built = await buildSearchIndex(db, { batchSize: 7 });
      if (dialect === 'sqlite') assert.deepEqual(built, { ...built!, indexed: 30, complete: true });
      assert.equal((await ids(lex, 'quokka')).length, 30);
      assert.deepEqual(await ids(lex, '"study number 29"'), ['2502.10029']);
      assert.deepEqual(await searchIndexState(db), { deferred: false, pending: 0, heartbeatAt: null, importAlive: false });
    } finally {
      await db.destroy();
    }
  });

  test(`[${dialect}] an update while deferred is reflected after the build; old words no longer match`, async () => {
    const db = await freshDatabase(dialect);
    try {
      const store = createPaperStore(db);
      const lex = createLexicalIndex(db);
      // One paper indexed before deferral, one inserted while deferred; both then change.
      await store.upsertMany([buildPaper({ id: '2501.00001', title: 'Platypus venom', abstract: 'Spurs.' })]);
      await deferSearchIndexing(db);
      await store.upsertMany([buildPaper({ id: '2501.00002', title: 'Echidna spines', abstract: 'Quills.' })]);
      await store.upsertMany([
        buildPaper({ id: '2501.00001', version: 2, title: 'Bilby ears', abstract: 'Spurs.' }),
        buildPaper({ id: '2501.00002', version: 2, title: 'Numbat stripes', abstract: 'Quills.' }),
      ]);
      if (dialect === 'sqlite') assert.deepEqual(await ids(lex, 'platypus'), ['2501.00001'], 'the stale row stays until the build');
      await buildSearchIndex(db);
      assert.deepEqual(await ids(lex, 'platypus'), []);
      assert.deepEqual(await ids(lex, 'echidna'), []);
      assert.deepEqual(await ids(lex, 'bilby'), ['2501.00001']);
      assert.deepEqual(await ids(lex, 'numbat'), ['2501.00002']);
      assert.deepEqual(await ids(lex, 'spurs'), ['2501.00001'], 'each paper indexed once');
    } finally {
      await db.destroy();
    }
  });

  test(`[${dialect}] writes outside a deferral, and after a finished build, index at once`, async () => {
    const db = await freshDatabase(dialect);
    try {
      const store = createPaperStore(db);
      const lex = createLexicalIndex(db);
      await store.upsertMany([buildPaper({ id: '2501.00001', title: 'Kookaburra laughter' })]);
      assert.deepEqual(await ids(lex, 'kookaburra'), ['2501.00001']);
      await deferSearchIndexing(db);
      await store.upsertMany([buildPaper({ id: '2501.00002', title: 'Dingo packs' })]);
      await buildSearchIndex(db);
      await store.upsertMany([buildPaper({ id: '2501.00003', title: 'Cassowary casques' })]);
      await store.upsertMany([buildPaper({ id: '2501.00001', version: 2, title: 'Lyrebird mimicry' })]);
      assert.deepEqual(await ids(lex, 'cassowary'), ['2501.00003']);
      assert.deepEqual(await ids(lex, 'lyrebird'), ['2501.00001']);
      assert.deepEqual(await ids(lex, 'kookaburra'), []);
    } finally {
      await db.destroy();
    }
  });
}

test('[sqlite] a build stopped between batches resumes where it stopped', async () => {
  const db = await freshDatabase('sqlite');
  try {
    const store = createPaperStore(db);
    const lex = createLexicalIndex(db);
    await deferSearchIndexing(db);
    await store.upsertMany(papers(25));
    let batches = 0;
    const first = await buildSearchIndex(db, { batchSize: 10, shouldStop: () => batches++ >= 2 });
    assert.deepEqual(first, { ...first!, indexed: 20, complete: false });
    assert.equal((await ids(lex, 'quokka')).length, 20);
    assert.equal((await searchIndexState(db)).deferred, true);
    // A new import meanwhile keeps the unfinished build's place.
    await deferSearchIndexing(db);
    await store.upsertMany(papers(5, 25));
    const second = await buildSearchIndex(db, { batchSize: 10 });
    assert.deepEqual(second, { ...second!, indexed: 10, complete: true });
    assert.equal((await ids(lex, 'quokka')).length, 30);
  } finally {
    await db.destroy();
  }
});

test('[sqlite] the worker builds the index of an import that stopped, never that of a live one', async () => {
  const db = await freshDatabase('sqlite');
  try {
    const store = createPaperStore(db);
    const lex = createLexicalIndex(db);
    const lines: string[] = [];
    await deferSearchIndexing(db);
    await store.upsertMany(papers(5));
    const live = startIndexWorker(db, (l) => lines.push(l), 3_600_000);
    // A fixed time on purpose: there is no event for "decided not to build". A worker that wrongly
    // built a live import's index would do it in this time; stopping it at once could hide that.
    await new Promise((r) => setTimeout(r, 100));
    await live();
    assert.deepEqual(await ids(lex, 'quokka'), [], 'a live import builds its own index');
    assert.equal((await searchIndexState(db)).importAlive, true);
    // The import was killed: its heartbeat goes stale.
    db.sqlite!.prepare('UPDATE search_state SET heartbeat_at = ?').run(new Date(Date.now() - STALE_DEFERRAL_MS - 1000).toISOString());
    const stop = startIndexWorker(db, (l) => lines.push(l), 3_600_000);
    await waitFor(async () => !(await searchIndexState(db)).deferred, { what: "the worker to build the stopped import's index" });
    await stop();
    assert.equal((await ids(lex, 'quokka')).length, 5);
    assert.deepEqual(await searchIndexState(db), { deferred: false, pending: 0, heartbeatAt: null, importAlive: false });
    assert.match(lines.join('\n'), /index: 5 papers indexed for search/);
  } finally {
    await db.destroy();
  }
});

test("[sqlite] the app's memory index follows appends, changes in place and deletes from the change feed at once", async () => {
  const db = await freshDatabase('sqlite');
  try {
    const store = createPaperStore(db);
    await store.upsertMany(papers(300));
    const lex = createLexicalIndex(db);
    await lex.search('quokka', { limit: 5 }); // starts the memory index build
    await lex.settled();
    assert.equal(lex.building?.(), false);
    // A paper appended after the build is found through the memory index (the catch-up path).
    await store.upsertMany([buildPaper({ id: '2503.00001', title: 'Wallaby hops', abstract: 'Tails.' })]);
    assert.deepEqual(await ids(lex, 'wallaby'), ['2503.00001']);
    await store.upsertMany([buildPaper({ id: '2502.10003', version: 2, title: 'Bandicoot burrows', abstract: 'Marsupials dig.' })]);
    // Changed in place: its new text answers, its old row is left out.
    assert.deepEqual(await ids(lex, 'bandicoot'), ['2502.10003']);
    assert.ok(!(await ids(lex, 'quokka')).includes('2502.10003'));
    assert.equal((await ids(lex, 'quokka')).length, 100);
  } finally {
    await db.destroy();
  }
});
