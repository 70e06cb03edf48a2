import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextDailyAt, zonedTime } from '../util/zoned-time.js';
import { createJobRunner } from './runner.js';
import { planHarvest } from '../ingest/harvest-plan.js';
import { createHarvestStore } from '../ingest/harvest-store.js';
import { freshDatabase } from '../testing/databases.js';
import { waitFor } from '../testing/wait.js';

test('the daily harvest is planned for 20:00 in New York, in winter and summer and across the clock change', () => {
  const ny = 'America/New_York';
  assert.equal(nextDailyAt(new Date('2026-11-27T15:00:00Z'), '20:00', ny).toISOString(), '2026-11-28T01:00:00.000Z');
  assert.equal(nextDailyAt(new Date('2026-11-28T01:00:00Z'), '20:00', ny).toISOString(), '2026-11-29T01:00:00.000Z');
  assert.equal(nextDailyAt(new Date('2026-07-01T12:00:00Z'), '20:00', ny).toISOString(), '2026-07-02T00:00:00.000Z');
  // 2026-03-08: clocks go forward at 02:00; 20:00 that evening is EDT (UTC-4).
  assert.equal(nextDailyAt(new Date('2026-03-08T12:00:00Z'), '20:00', ny).toISOString(), '2026-03-09T00:00:00.000Z');
  assert.equal(nextDailyAt(new Date('2026-03-07T12:00:00Z'), '20:00', ny).toISOString(), '2026-03-08T01:00:00.000Z');
  assert.equal(zonedTime(2026, 1, 15, 9, 30, 'Europe/Berlin').toISOString(), '2026-01-15T08:30:00.000Z');
  assert.equal(nextDailyAt(new Date('2026-01-15T23:30:00Z'), '06:00', 'Asia/Tokyo').toISOString(), '2026-01-16T21:00:00.000Z');
});

test('the scheduler plans a catch-up at start, then waits for the next harvest time', async () => {
  const ticks: string[] = [];
  const lines: string[] = [];
  const runner = createJobRunner(
    [
      {
        name: 'harvest-plan',
        roles: ['scheduler'],
        cadence: { kind: 'daily', at: '20:00', timeZone: 'America/New_York' },
        run: async () => void ticks.push('tick'),
        planned: (next) => `next ${next.toISOString()}`,
      },
    ],
    { log: (l) => lines.push(l), now: () => new Date('2026-11-27T15:00:00Z') },
  );
  runner.start();
  try {
    await waitFor(() => runner.states()[0].nextAt !== null, { what: 'the scheduler to plan its next run' });
    assert.deepEqual(ticks, ['tick']);
    assert.equal(runner.states()[0].nextAt, '2026-11-28T01:00:00.000Z');
    assert.deepEqual(lines, ['next 2026-11-28T01:00:00.000Z']);
  } finally {
    await runner.stop();
  }
});

test('catch-up planning: recent days from the lookback, then from the last finished day; an explicit range re-opens done windows', async () => {
  const db = await freshDatabase('sqlite');
  try {
    const store = createHarvestStore(db);
    const settings = { sources: ['api' as const, 'oai' as const], categories: ['cs.LG', 'stat.ML'], lookbackDays: 2 };
    const now = new Date('2026-11-27T15:00:00Z');
    const p = await planHarvest(store, settings, { now });
    assert.deepEqual([p.from, p.until], ['2026-11-26', '2026-11-27']);
    assert.deepEqual(p.keys, ['api::2026-11-26', 'oai:cs:2026-11-26', 'oai:stat:2026-11-26', 'api::2026-11-27', 'oai:cs:2026-11-27', 'oai:stat:2026-11-27']);
    for (;;) {
      const w = await store.claim('h:1', 60_000);
      if (!w) break;
      await store.finish(w.key, 'h:1');
    }
    // Five days later: from the day after the last finished one.
    const later = await planHarvest(store, settings, { now: new Date('2026-12-02T15:00:00Z') });
    assert.deepEqual([later.from, later.until, later.created, later.reopened], ['2026-11-28', '2026-12-02', 15, 0]);
    const again = await planHarvest(store, settings, { from: '2026-11-26', until: '2026-11-26', now });
    assert.equal(again.reopened, 3);
    await assert.rejects(planHarvest(store, settings, { from: '2026-11-28', until: '2026-11-27' }), /harvest: --from 2026-11-28 is after --until 2026-11-27/);
  } finally {
    await db.destroy();
  }
});

test('a queue job runs at most `concurrency` runs at once, back to back while there is work, and stops when asked', async () => {
  let running = 0;
  let most = 0;
  let ran = 0;
  const runner = createJobRunner(
    [
      {
        name: 'harvest',
        roles: ['worker'],
        cadence: { kind: 'queue', concurrency: 3, pollMs: 5 },
        async run() {
          if (ran >= 12) return { idle: true };
          ran++;
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 10));
          running--;
        },
      },
    ],
    { log: () => {} },
  );
  runner.start();
  await waitFor(() => runner.states()[0].runs === 12, { what: 'the runner to run 12 jobs' });
  await runner.stop();
  assert.equal(ran, 12);
  assert.equal(most, 3);
  assert.equal(running, 0);
});
