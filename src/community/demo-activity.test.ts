import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { createPaperStore } from '../papers/store.js';
import { buildPaper } from '../papers/paper.js';
import { loadConfig } from '../config.js';
import { buildTestApp } from '../testing/test-app.js';
import { DEMO_DAYS, demoActivitySummary, seedDemoActivity } from './demo-activity.js';
import { seededRandom } from '../util/prng.js';
import { latestFeedDay, listDailyPapers } from '../feed/daily.js';
import { addDays } from '../feed/period.js';

// Demo papers are announced at 20:00 New York time on the evening before their listing day.
function demoPapers(days: number, perDay: number) {
  const out = [];
  for (let d = 0; d < days; d++) {
    const listing = addDays('2026-05-04', d + Math.floor(d / 5) * 2); // weekdays only
    const announced = new Date(Date.parse(`${addDays(listing, -1)}T20:00:00-04:00`)).toISOString();
    for (let i = 0; i < perDay; i++) {
      out.push(buildPaper({ id: `2605.${String(d * 100 + i).padStart(5, '0')}`, title: `Demo paper ${d}-${i}`, publishedAt: announced, updatedAt: announced }));
    }
  }
  return out;
}

test('seededRandom is reproducible', () => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  const xs = Array.from({ length: 5 }, () => a());
  assert.deepEqual(
    xs,
    Array.from({ length: 5 }, () => b()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
});

for (const dialect of DIALECTS) {
  describe(`demo activity on ${dialect}`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await freshDatabase(dialect);
    });
    after(() => db.destroy());

    test('seeds labelled members, submissions, upvotes and comments on the newest demo days, once, the same every time', async () => {
      const papers = createPaperStore(db);
      await papers.upsertMany(demoPapers(DEMO_DAYS + 2, 14));
      const config = loadConfig({ LOG_LEVEL: 'silent' });
      assert.equal(await seedDemoActivity({ database: db, papers, config }), true);
      const summary = await demoActivitySummary(db);
      assert.ok(summary);
      assert.equal(summary.members, 12);
      assert.equal(summary.days, DEMO_DAYS);
      assert.ok(summary.submissions >= DEMO_DAYS * 6 && summary.upvotes > summary.submissions && summary.comments > 0, JSON.stringify(summary));
      // Fixed seed: a second instance gets exactly this; the numbers pin it.
      const { entries } = await listDailyPapers(db, { limit: 5 });
      const day = await latestFeedDay(db);
      assert.equal(day, '2026-05-21');
      assert.ok(entries.every((e) => e.feedDay === day && e.submitter?.displayName?.endsWith('(demo)')));
      // Counters kept by the community store agree with the rows.
      for (const e of entries) {
        const votes = await db.db
          .selectFrom('upvotes')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('paper_id', '=', e.paper.id)
          .executeTakeFirstOrThrow();
        assert.equal(e.upvotes, Number(votes.n));
      }
      assert.equal(await seedDemoActivity({ database: db, papers, config }), false, 'never twice');

      const { app } = await buildTestApp({ config, database: db, papers, sessionSecret: 'demo-test' });
      try {
        const about = await app.inject('/about');
        assert.match(about.body, /demo activity/);
        assert.match(about.body, new RegExp(`${summary.submissions} submissions on ${DEMO_DAYS} feed days`));
      } finally {
        await app.close();
      }
    });
  });
}

test('a snapshot of the seeded numbers (SQLite) stays put', async () => {
  const db = await freshDatabase('sqlite');
  try {
    const papers = createPaperStore(db);
    await papers.upsertMany(demoPapers(DEMO_DAYS, 14));
    await seedDemoActivity({ database: db, papers, config: loadConfig({ LOG_LEVEL: 'silent' }) });
    const first = await demoActivitySummary(db);
    const db2 = await freshDatabase('sqlite');
    try {
      const papers2 = createPaperStore(db2);
      await papers2.upsertMany(demoPapers(DEMO_DAYS, 14));
      await seedDemoActivity({ database: db2, papers: papers2, config: loadConfig({ LOG_LEVEL: 'silent' }) });
      assert.deepEqual(await demoActivitySummary(db2), first);
      const a = await listDailyPapers(db, { limit: 100 });
      const b = await listDailyPapers(db2, { limit: 100 });
      assert.deepEqual(
        a.entries.map((e) => [e.paper.id, e.upvotes, e.commentsCount, e.submittedAt]),
        b.entries.map((e) => [e.paper.id, e.upvotes, e.commentsCount, e.submittedAt]),
      );
    } finally {
      await db2.destroy();
    }
  } finally {
    await db.destroy();
  }
});
