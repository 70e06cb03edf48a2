import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../testing/wait.js';
import { createJobRunner, type JobDefinition } from './runner.js';
import { processJobs } from './definitions.js';
import { loadConfig } from '../config.js';
import { createPaperStore } from '../papers/store.js';
import { freshDatabase } from '../testing/databases.js';
import { buildTestApp } from '../testing/test-app.js';
import { wireServices } from '../main.js';

/** Waits for `ok`, looking again at every turn of the event loop: no fixed sleeps. */

const hourly = (name: string, run: JobDefinition['run']): JobDefinition => ({ name, roles: ['worker'], cadence: { kind: 'every', ms: 3_600_000 }, run });

test('a failed run is logged and retried with backoff; the loop goes on', async () => {
  let calls = 0;
  const lines: string[] = [];
  const runner = createJobRunner(
    [
      {
        ...hourly('embed', async () => {
          calls++;
          if (calls <= 2) throw new Error(`database is locked (${calls})`);
        }),
        failed: (m) => `embed: background embedding failed: ${m}`,
      },
    ],
    { log: (l) => lines.push(l), backoffMs: 1, maxBackoffMs: 5 },
  );
  runner.start();
  try {
    // Runs every hour: the third run within the test's time is the backoff's doing.
    await waitFor(() => calls === 3 && runner.states()[0].runningNow === 0, { what: 'the third run to end' });
    const s = runner.states()[0];
    assert.deepEqual([s.runs, s.failures, s.failuresInARow, s.lastStatus, s.lastError], [3, 2, 0, 'ok', null]);
    assert.deepEqual(lines, [
      'embed: background embedding failed: database is locked (1) (retrying in 1 ms)',
      'embed: background embedding failed: database is locked (2) (retrying in 2 ms)',
    ]);
    assert.ok(s.nextAt && Date.parse(s.nextAt) > Date.now() + 3_500_000, 'then back on its cadence');
  } finally {
    await runner.stop();
  }
});

test('the backoff doubles with each failure in a row, up to its limit, and never waits past the cadence', async () => {
  const retryIn = (lines: string[]) => lines.map((l) => /retrying in (.*)\)$/.exec(l)?.[1]);
  const lines: string[] = [];
  const runner = createJobRunner([hourly('retrain', async () => Promise.reject(new Error('no')))], {
    log: (l) => lines.push(l),
    backoffMs: 20,
    maxBackoffMs: 70,
  });
  runner.start();
  await waitFor(() => lines.length >= 5, { what: 'five failed runs' });
  await runner.stop();
  assert.deepEqual(retryIn(lines.slice(0, 5)), ['20 ms', '40 ms', '70 ms', '70 ms', '70 ms']);
  // A job due every 2 ms retries on its cadence, not after the minute of backoff.
  const often: string[] = [];
  const soon = createJobRunner(
    [{ name: 'digests', roles: ['scheduler'], cadence: { kind: 'every', ms: 2 }, run: async () => Promise.reject(new Error('no')) }],
    { log: (l) => often.push(l), backoffMs: 60_000 },
  );
  soon.start();
  await waitFor(() => often.length >= 3, { what: 'three failed runs' });
  await soon.stop();
  assert.ok(
    retryIn(often).every((w) => /^[012] ms$/.test(w ?? '')),
    often.join('\n'),
  );
  assert.match(often[0], /^jobs: digests failed: no \(retrying in/);
});

test('stop() tells the runs in progress to stop, waits for them, and starts no new one', async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let sawAbort = false;
  let runs = 0;
  const order: string[] = [];
  const runner = createJobRunner(
    [
      hourly('search-index', async ({ signal }) => {
        runs++;
        await released;
        sawAbort = signal.aborted;
        order.push('index done');
      }),
      hourly('embed', async () => {
        order.push('embed ran');
      }),
    ],
    { log: () => {} },
  );
  runner.start();
  await waitFor(() => runner.states()[0].runningNow === 1 && order.includes('embed ran'), { what: 'the embed job to be running' });
  let stopped = false;
  const stopping = runner.stop().then(() => {
    stopped = true;
    order.push('stopped');
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(stopped, false, 'waits for the run in progress');
  release();
  await stopping;
  assert.equal(sawAbort, true);
  assert.deepEqual(order, ['embed ran', 'index done', 'stopped']);
  assert.equal(runs, 1);
  assert.equal(runner.states()[0].runningNow, 0);
});

test('the runner state per job kind shows in /metrics and /healthz', async () => {
  const db = await freshDatabase('sqlite');
  let failing = true;
  const runner = createJobRunner(
    [
      hourly('embed', async () => {
        if (failing) throw new Error('model file unreadable');
      }),
      { name: 'harvest', roles: ['worker'], cadence: { kind: 'queue', concurrency: 2, pollMs: 3_600_000 }, run: async () => ({ idle: true }) },
    ],
    { log: () => {}, backoffMs: 3_600_000 },
  );
  const { app } = await buildTestApp({ database: db, jobs: runner });
  try {
    runner.start();
    await waitFor(() => runner.states()[0].failures === 1 && runner.states()[1].nextAt !== null, { what: 'one failure and the next run planned' });
    const m = (await app.inject('/metrics')).body;
    assert.match(m, /^paperboy_job_runs_total\{job="embed"\} 1$/m);
    assert.match(m, /^paperboy_job_failures_total\{job="embed"\} 1$/m);
    assert.match(m, /^paperboy_job_last_failed\{job="embed"\} 1$/m);
    assert.match(m, /^paperboy_job_running\{job="embed"\} 0$/m);
    assert.match(m, /^paperboy_job_last_start_timestamp_seconds\{job="embed"\} [1-9]\d{9}$/m);
    assert.match(m, /^paperboy_job_last_end_timestamp_seconds\{job="embed"\} [1-9]\d{9}$/m);
    // Finding no harvest window due is not a run.
    assert.match(m, /^paperboy_job_runs_total\{job="harvest"\} 0$/m);
    assert.match(m, /^paperboy_job_last_start_timestamp_seconds\{job="harvest"\} 0$/m);
    const h = (await app.inject('/healthz')).json();
    assert.equal(h.status, 'ok');
    assert.deepEqual(Object.keys(h.jobs), ['embed', 'harvest']);
    assert.deepEqual(
      {
        ...h.jobs.embed,
        lastStartedAt: typeof h.jobs.embed.lastStartedAt,
        lastFinishedAt: typeof h.jobs.embed.lastFinishedAt,
        nextAt: typeof h.jobs.embed.nextAt,
      },
      {
        cadence: 'every 3600 s',
        runningNow: 0,
        runs: 1,
        failures: 1,
        failuresInARow: 1,
        lastStartedAt: 'string',
        lastFinishedAt: 'string',
        lastStatus: 'failed',
        lastError: 'model file unreadable',
        nextAt: 'string',
      },
    );
    assert.equal(h.jobs.harvest.cadence, 'queue of 2, polls every 3600 s');
  } finally {
    failing = false;
    await runner.stop();
    await app.close();
    await db.destroy();
  }
});

test('each role runs its own jobs, as SERVICES names them', async () => {
  const db = await freshDatabase('sqlite');
  try {
    const config = loadConfig({ LOG_LEVEL: 'silent', ARXIV_CONTACT: 'ops@example.org' });
    const papers = createPaperStore(db);
    const noModel = { latest: () => null, poll: async () => false, file: null };
    const withModel = { latest: () => null, poll: async () => false, file: '/nonexistent/corpus.pbem' };
    const services = wireServices({ config, database: db, papers, search: null as never, embedders: noModel }, { log: () => {}, fetcher: null });
    const names = (roles: string[], embedders = noModel as typeof noModel | typeof withModel) =>
      processJobs({ ...services, embedders }, roles, () => {}).map((d) => d.name);
    assert.deepEqual(names(['web']), []);
    assert.deepEqual(names(['web'], withModel), ['model-follow']);
    assert.deepEqual(names(['scheduler']), ['harvest-plan', 'digests']);
    assert.deepEqual(names(['worker'], withModel), ['harvest', 'search-index', 'author-index', 'code-link-backfill', 'retrain', 'embed', 'model-follow']);
    assert.deepEqual(names(['web', 'worker', 'scheduler']), ['harvest-plan', 'digests', 'harvest', 'search-index', 'author-index', 'code-link-backfill']);
    services.close();
  } finally {
    await db.destroy();
  }
});
