import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSyntheticSnapshot } from '../../../bench/synthetic.js';
import { importFiles } from '../../papers/import.js';
import { buildPaper } from '../../papers/paper.js';
import { createPaperStore } from '../../papers/store.js';
import type { Database } from '../../storage/database.js';
import { freshDatabase } from '../../testing/databases.js';
import { fixtureFiles, fixtureSourceRecords } from '../../testing/fixtures.js';
import { REPO_ROOT } from '../../testing/paths.js';
import { createLexicalIndex } from './index.js';
import { buildSearchIndex, deferSearchIndexing, searchIndexState } from './sqlite-index-build.js';

// PostgreSQL's deferred search vectors (migration 0015, postgres-index-build.ts).

async function missingVectors(db: Database): Promise<number> {
  const r = await db.pg!.query<{ n: number }>('SELECT count(*) AS n FROM papers WHERE search_vector IS NULL');
  return Number(r.rows[0].n);
}

async function snapshot(n: number): Promise<{ file: string; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-pgdefer-'));
  const file = path.join(dir, 'snapshot.jsonl');
  await writeSyntheticSnapshot(file, n, fixtureSourceRecords());
  return { file, dir };
}

test('[postgres] an import loads with the search vectors deferred, then fills every one; tsvector search finds the papers', async () => {
  const db = await freshDatabase('postgres');
  const { file, dir } = await snapshot(1200);
  try {
    const store = createPaperStore(db);
    const lex = createLexicalIndex(db);
    const deferral = await deferSearchIndexing(db);
    const s = await importFiles(store, [file], { batchSize: 100, onBatch: () => deferral.heartbeat(), deferSearch: true });
    assert.equal(s.inserted, 1200);
    assert.equal(await missingVectors(db), 1200, 'the load wrote no search vectors');
    const state = await searchIndexState(db);
    assert.deepEqual([state.deferred, state.pending, state.importAlive], [true, 1200, true]);
    const built = await buildSearchIndex(db, { batchSize: 500, deferral });
    assert.deepEqual([built?.indexed, built?.complete], [1200, true]);
    assert.equal(await missingVectors(db), 0);
    assert.deepEqual(await searchIndexState(db), { deferred: false, pending: 0, heartbeatAt: null, importAlive: false });
    const some = await db.db.selectFrom('papers').select(['id', 'title']).orderBy('id').execute();
    for (const p of [some[0], some[600], some[some.length - 1]]) {
      assert.ok(
        (await lex.search(p.title, { limit: 50 })).some((h) => h.id === p.id),
        `"${p.title}" finds ${p.id}`,
      );
    }
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('[postgres] writes outside a deferring bulk load compute the search vector at once, also while an import defers', async () => {
  const db = await freshDatabase('postgres');
  const { file, dir } = await snapshot(600);
  try {
    const store = createPaperStore(db);
    const lex = createLexicalIndex(db);
    await deferSearchIndexing(db);
    // A harvest-style upsert in the same process, while the bulk load runs on the same store.
    let harvested = false;
    await Promise.all([
      importFiles(store, [file], { batchSize: 50, deferSearch: true }),
      (async () => {
        await store.upsertMany([buildPaper({ id: '2503.00001', title: 'Numbat foraging', abstract: 'Termites.' })]);
        harvested = true;
      })(),
    ]);
    assert.ok(harvested);
    await store.upsertMany([buildPaper({ id: '2503.00002', title: 'Bilby burrows', abstract: 'Sand.' })]);
    // An update in place outside the load recomputes it too.
    await store.upsertMany([buildPaper({ id: '2503.00002', title: 'Bilby tunnels', abstract: 'Sand.', updatedAt: '2026-02-01T00:00:00Z' })]);
    const r = await db.pg!.query<{ id: string }>("SELECT id FROM papers WHERE id LIKE '2503.%' AND search_vector IS NOT NULL ORDER BY id");
    assert.deepEqual(
      r.rows.map((x) => x.id),
      ['2503.00001', '2503.00002'],
    );
    assert.deepEqual(
      (await lex.search('numbat', { limit: 5 })).map((h) => h.id),
      ['2503.00001'],
    );
    assert.deepEqual(
      (await lex.search('tunnels', { limit: 5 })).map((h) => h.id),
      ['2503.00002'],
    );
    assert.deepEqual(await lex.search('burrows', { limit: 5 }), []);
    // The load's own papers wait for the fill.
    assert.equal(await missingVectors(db), 600);
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("[postgres] the trigger's vector, at once or filled after a deferred load, equals what 0002's generated column gave", async () => {
  const db = await freshDatabase('postgres');
  const { file, dir } = await snapshot(300);
  try {
    const store = createPaperStore(db);
    // At once: the fixture files (API Atom, OAI-PMH); deferred: a snapshot, then filled.
    await importFiles(store, [...fixtureFiles('arxiv-api/atom'), ...fixtureFiles('arxiv-api/oai-pmh')]);
    const deferral = await deferSearchIndexing(db);
    await importFiles(store, [file], { batchSize: 100, deferSearch: true });
    await buildSearchIndex(db, { deferral });
    // The generated column as 0002 declared it, word for word, on a copy of the papers' text.
    const m0002 = fs.readFileSync(path.join(REPO_ROOT, 'src/storage/migrations/postgres/0002_search.sql'), 'utf8');
    const generated = /search_vector tsvector (GENERATED ALWAYS AS \([\s\S]*?\) STORED)/.exec(m0002)?.[1];
    assert.ok(generated, '0002 declares search_vector as a generated column');
    await db.pg!.query(`CREATE TABLE generated_copy (id TEXT PRIMARY KEY, title TEXT, abstract TEXT, authors TEXT, search_vector tsvector ${generated})`);
    await db.pg!.query('INSERT INTO generated_copy (id, title, abstract, authors) SELECT id, title, abstract, authors FROM papers');
    const r = await db.pg!.query<{ n: number; differ: number }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE p.search_vector IS DISTINCT FROM g.search_vector) AS differ
         FROM papers p JOIN generated_copy g USING (id)`,
    );
    assert.ok(Number(r.rows[0].n) > 300, `compared ${r.rows[0].n} papers`);
    assert.equal(Number(r.rows[0].differ), 0);
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
