import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../config.js';
import { createPaperStore } from '../papers/store.js';
import { buildTestApp } from '../testing/test-app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { REPO_ROOT } from '../testing/paths.js';
import { apiFixturePages, oaiFixtureRecords, startFakeArxiv, type FakeArxiv } from '../testing/fake-arxiv.js';
import { expectedIds, fixtureCategories, harvestEnv } from '../testing/harvest-fixtures.js';
import { addDays, utcDay } from './harvest-plan.js';
import { createHarvestStore } from './harvest-store.js';

// The harvest as a separate process, as an operator runs it: `paperboy harvest --once`, killed
// mid-run and run again, and two `paperboy serve` workers sharing one PostgreSQL database.

const CLI = path.join(REPO_ROOT, 'dist/src/cli.js');

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function paperboy(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The papers table without ingested_at (the time of the write differs between runs). */
async function papersTable(db: TestDatabase) {
  const rows = await db.db.selectFrom('papers').selectAll().orderBy('id').execute();
  return rows.map(({ ingested_at: _ignored, ...rest }) => ({ ...rest, version: Number(rest.version) }));
}

describe('paperboy harvest (processes)', { concurrency: 1 }, () => {
  let fake: FakeArxiv;
  const cats = fixtureCategories();
  const pages = apiFixturePages();
  const today = utcDay(new Date());
  before(async () => {
    fake = await startFakeArxiv({ day: today, apiPages: pages, oaiRecords: oaiFixtureRecords(), oaiPageSize: 2 });
  });
  after(() => fake.close());

  test('acceptance: `harvest --once` stores all fixture papers; a second run stores nothing new and says so; /metrics and /healthz show it', async () => {
    const db = await freshDatabase('sqlite');
    try {
      const env = { ...harvestEnv(fake, cats), DATABASE_URL: db.url };
      const first = await paperboy(['harvest', '--once'], env).done;
      assert.equal(first.code, 0, first.stderr);
      const want = expectedIds(pages, cats);
      assert.match(first.stdout, new RegExp(`harvest: ${want.length} new, 0 updated`));
      const rows = await db.db.selectFrom('papers').select('id').orderBy('id').execute();
      assert.deepEqual(
        rows.map((r) => r.id),
        want,
      );

      const second = await paperboy(['harvest', '--once'], env).done;
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /harvest: nothing new/);
      assert.equal((await db.db.selectFrom('papers').select('id').execute()).length, want.length);

      const { app } = await buildTestApp({ config: loadConfig({ ...env, LOG_LEVEL: 'silent' }), database: db, papers: createPaperStore(db) });
      try {
        const m = await app.inject('/metrics');
        assert.equal(m.statusCode, 200);
        assert.match(m.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
        assert.match(m.body, new RegExp(`^paperboy_harvest_papers_total\\{outcome="inserted"\\} ${want.length}$`, 'm'));
        assert.match(m.body, /^paperboy_harvest_requests_total [1-9]\d*$/m);
        assert.match(m.body, /^paperboy_harvest_errors_total 0$/m);
        assert.match(m.body, /^paperboy_harvest_last_success_timestamp_seconds [1-9]\d{9}$/m);
        assert.match(m.body, /^paperboy_jobs_queue_depth\{queue="harvest"\} 0$/m);
        const h = (await app.inject('/healthz')).json();
        assert.ok(h.lastHarvest.at);
        assert.equal(h.lastHarvest.failed, 0);
      } finally {
        await app.close();
      }
    } finally {
      await db.destroy();
    }
  });

  test('`paperboy serve` as scheduler and worker catches up at start, then waits for the next 20:00 in New York; SIGTERM stops it cleanly', async () => {
    const db = await freshDatabase('sqlite');
    try {
      const run = paperboy(['serve'], { ...harvestEnv(fake, cats), DATABASE_URL: db.url, SERVICES: 'worker,scheduler', WORKER_POLL_MS: '50' });
      const want = expectedIds(pages, cats).length;
      const store = createHarvestStore(db);
      await waitFor('the catch-up harvest', async () => {
        const s = await store.stats().catch(() => null);
        return !!s && s.windowsDone > 0 && s.queueDepth === 0 && s.running === 0;
      });
      run.child.kill('SIGTERM');
      const r = await run.done;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /scheduler: planned harvest \d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}: \d+ new window\(s\)/);
      assert.match(r.stdout, /scheduler: next harvest at \S+ \(20:00 America\/New_York\)/);
      assert.equal(await createPaperStore(db).count(), want);
    } finally {
      await db.destroy();
    }
  });

  for (const dialect of DIALECTS) {
    test(`[${dialect}] killed after its first committed page and run again, the harvest leaves the same papers table as an uninterrupted run`, async () => {
      const whole = await freshDatabase(dialect);
      const killed = await freshDatabase(dialect);
      const args = ['harvest', '--once', '--quiet', '--from', addDays(today, -1), '--until', today];
      const base = { ...harvestEnv(fake, cats), WORKER_CONCURRENCY: '1' };
      try {
        const full = await paperboy(args, { ...base, DATABASE_URL: whole.url }).done;
        assert.equal(full.code, 0, full.stderr);

        fake.options.delayMs = 100;
        const run = paperboy(args, { ...base, DATABASE_URL: killed.url });
        const store = createHarvestStore(killed);
        // Kill as soon as a page is committed (a window's cursor has moved), mid-window.
        await waitFor('a committed page', async () => {
          try {
            const rows = await killed.db.selectFrom('harvest_windows').select('cursor').where('cursor', 'is not', null).execute();
            return rows.length > 0;
          } catch {
            return false; // the child has not created the table yet
          }
        });
        run.child.kill('SIGKILL');
        const r = await run.done;
        assert.equal(r.signal, 'SIGKILL');
        fake.options.delayMs = 0;
        const partial = await killed.db.selectFrom('papers').select('id').execute();
        const wholeCount = (await whole.db.selectFrom('papers').select('id').execute()).length;
        assert.ok(partial.length > 0 && partial.length < wholeCount, `killed mid-run: ${partial.length} of ${wholeCount} stored\n${r.stderr}`);
        const stats = await store.stats();
        assert.equal(stats.running, 1, `the killed run left its window claimed: ${JSON.stringify(stats)}`);

        const again = await paperboy(args, { ...base, DATABASE_URL: killed.url }).done;
        assert.equal(again.code, 0, again.stderr);
        const [a, b] = [await papersTable(killed), await papersTable(whole)];
        assert.equal(a.length, b.length, `resumed run: ${again.stdout}${again.stderr}`);
        assert.deepEqual(a, b);
        const windows = await killed.db.selectFrom('harvest_windows').select(['status']).execute();
        assert.ok(windows.every((w) => w.status === 'done'));
      } finally {
        fake.options.delayMs = 0;
        await whole.destroy();
        await killed.destroy();
      }
    });
  }

  test('[postgres] two worker processes never run the same harvest window', async () => {
    const db = await freshDatabase('postgres');
    const everyDay = await startFakeArxiv({ day: '*', apiPages: pages, delayMs: 30 });
    const workers: Run[] = [];
    try {
      const store = createHarvestStore(db);
      const days = Array.from({ length: 8 }, (_, i) => addDays('2025-12-01', i));
      await store.plan(
        days.map((day) => ({ source: 'api' as const, setSpec: '', day })),
        { runAfter: new Date().toISOString(), reopenFrom: null },
      );
      const env = {
        ...harvestEnv(everyDay, cats),
        DATABASE_URL: db.url,
        SERVICES: 'worker',
        WORKER_CONCURRENCY: '2',
        WORKER_POLL_MS: '50',
        HARVEST_SOURCES: 'api',
      };
      workers.push(paperboy(['serve'], env), paperboy(['serve'], env));
      await waitFor('all windows done', async () => (await store.stats()).windowsDone === days.length, 60_000).catch(async (e) => {
        for (const w of workers) w.child.kill('SIGKILL');
        const outs = await Promise.all(workers.map((w) => w.done));
        throw new Error(`${e.message}\n${outs.map((o) => o.stdout + o.stderr).join('\n---\n')}`);
      });
      for (const w of workers) w.child.kill('SIGTERM');
      const outs = await Promise.all(workers.map((w) => w.done));
      const rows = await db.db.selectFrom('harvest_windows').select(['key', 'runs', 'status']).execute();
      assert.ok(
        rows.every((r) => Number(r.runs) === 1 && r.status === 'done'),
        JSON.stringify(rows),
      );
      // Each page of each day was fetched exactly once, across both processes.
      const counts = new Map<string, number>();
      for (const q of everyDay.requests) counts.set(q.what, (counts.get(q.what) ?? 0) + 1);
      assert.equal(counts.size, days.length * 5);
      assert.ok(
        [...counts.values()].every((n) => n === 1),
        JSON.stringify([...counts]),
      );
      const ran = outs.map((o) => (o.stdout.match(/worker: api::\S+ done/g) ?? []).length);
      assert.equal(ran[0] + ran[1], days.length);
      assert.ok(ran[0] > 0 && ran[1] > 0, `both workers took windows: ${ran}`);
      assert.equal(await createPaperStore(db).count(), 500);
    } finally {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
      await everyDay.close();
      await db.destroy();
    }
  });
});
