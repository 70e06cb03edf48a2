import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../storage/database.js';
import { createLexicalIndex } from '../search/lexical/index.js';
import { searchIndexState, STALE_DEFERRAL_MS } from '../search/lexical/index.js';
import { createJobRunner } from '../jobs/runner.js';
import { searchIndexJob } from '../jobs/definitions.js';
import { DIALECTS, freshDatabaseUrl } from '../testing/databases.js';
import { REPO_ROOT } from '../testing/paths.js';
import { fixtureSourceRecords } from '../testing/fixtures.js';
import { waitFor } from '../testing/wait.js';
import { writeSyntheticSnapshot } from '../../bench/synthetic.js';

const CLI = path.join(REPO_ROOT, 'dist/src/cli.js');
const RECORDS = 12_000;

async function dump(url: string): Promise<string> {
  const database = await openDatabase(url);
  try {
    const papers = await database.db
      .selectFrom('papers')
      .select(['id', 'version', 'title', 'abstract', 'authors', 'categories', 'primary_category', 'published_at', 'updated_at', 'comments', 'content_hash'])
      .orderBy('id')
      .execute();
    const cats = await database.db.selectFrom('paper_categories').selectAll().orderBy('paper_id').orderBy('category').execute();
    // The search index too (doc ids may differ between the runs; what each paper's rows hold may not).
    const fts = (table: string) =>
      database.sqlite
        ?.prepare(`SELECT d.paper_id, f.title, f.abstract, f.authors FROM ${table} f JOIN search_docs d ON d.doc_id = f.rowid ORDER BY d.paper_id`)
        .all();
    return JSON.stringify({ papers, cats, fts: fts('papers_fts'), exact: fts('papers_fts_exact') });
  } finally {
    await database.close();
  }
}

async function paperCount(url: string): Promise<number> {
  const database = await openDatabase(url);
  try {
    const r = await database.db
      .selectFrom('papers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  } catch {
    return 0; // not migrated yet
  } finally {
    await database.close();
  }
}

async function workerFillsStaleDeferral(url: string, papers: number): Promise<void> {
  const database = await openDatabase(url);
  try {
    const missing = async () => Number((await database.pg!.query('SELECT count(*) AS n FROM papers WHERE search_vector IS NULL')).rows[0].n);
    assert.equal(await missing(), papers, 'the killed import had filled no vector');
    await database.pg!.query('UPDATE search_state SET heartbeat_at = $1', [new Date(Date.now() - STALE_DEFERRAL_MS - 1000).toISOString()]);
    const lines: string[] = [];
    const runner = createJobRunner([searchIndexJob(database, (l) => lines.push(l), 3_600_000)], { log: (l) => lines.push(l) });
    runner.start();
    try {
      await waitFor(async () => !(await searchIndexState(database)).deferred, { what: "the worker to fill the killed import's vectors", timeoutMs: 60_000 });
    } finally {
      await runner.stop();
    }
    assert.equal(await missing(), 0);
    assert.match(lines.join('\n'), new RegExp(`index: ${papers} papers indexed for search`));
  } finally {
    await database.close();
  }
}

function runImport(url: string, file: string) {
  return spawnSync(process.execPath, [CLI, 'import', file, '--batch-size', '500', '--quiet'], { env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8' });
}

for (const dialect of DIALECTS) {
  test(`[${dialect}] an import killed mid-run and run again ends with the same database as an uninterrupted run`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-kill-'));
    const file = path.join(dir, 'snapshot.jsonl');
    await writeSyntheticSnapshot(file, RECORDS, fixtureSourceRecords());
    const whole = await freshDatabaseUrl(dialect);
    const killed = await freshDatabaseUrl(dialect);
    try {
      const full = runImport(whole.url, file);
      assert.equal(full.status, 0, full.stderr);
      assert.match(full.stdout, new RegExp(`${RECORDS} inserted, 0 updated, 0 unchanged, 0 rejected`));

      const child = spawn(process.execPath, [CLI, 'import', file, '--batch-size', '500', '--quiet'], {
        env: { ...process.env, DATABASE_URL: killed.url },
        stdio: 'ignore',
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await waitFor(async () => (await paperCount(killed.url)) >= 1000, { what: 'the import to commit 1000 papers', intervalMs: 5, timeoutMs: 60_000 });
      child.kill('SIGKILL');
      await exited;
      const partial = await paperCount(killed.url);
      assert.ok(partial < RECORDS, `the kill came too late to test anything (${partial} papers)`);
      assert.equal(partial % 500, 0, 'a batch was half-committed');
      {
        const database = await openDatabase(killed.url);
        const state = await searchIndexState(database).finally(() => database.close());
        assert.ok(state.deferred && state.pending > 0, 'killed while search indexing was deferred');
      }
      // PostgreSQL: the worker's search-index job fills the vectors the killed import left NULL,
      // once its heartbeat is stale (SQLite's takeover is tested in sqlite-index-build.test.ts).
      if (dialect === 'postgres') await workerFillsStaleDeferral(killed.url, partial);

      const rerun = runImport(killed.url, file);
      assert.equal(rerun.status, 0, rerun.stderr);
      assert.match(rerun.stdout, new RegExp(`${RECORDS - partial} inserted, 0 updated, ${partial} unchanged, 0 rejected`));
      assert.equal(await dump(killed.url), await dump(whole.url));
      // Killed while search indexing was deferred: the rerun built the whole index.
      const database = await openDatabase(killed.url);
      try {
        const lex = createLexicalIndex(database);
        const some = await database.db.selectFrom('papers').select(['id', 'title']).orderBy('id').execute();
        for (const p of [some[0], some[Math.floor(partial / 2)], some[some.length - 1]]) {
          assert.ok(
            (await lex.search(p.title, { limit: 50 })).some((h) => h.id === p.id),
            `"${p.title}" finds ${p.id}`,
          );
        }
        assert.deepEqual(await searchIndexState(database), { deferred: false, pending: 0, heartbeatAt: null, importAlive: false });
      } finally {
        await database.close();
      }
    } finally {
      await whole.drop();
      await killed.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
