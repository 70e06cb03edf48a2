import { after, before, describe, test } from 'node:test';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import assert from 'node:assert/strict';
import { createRateLimiter } from './rate-limit.js';
import { feedDay, isWeekend } from '../feed/feed-day.js';

for (const dialect of DIALECTS)
  describe(`[${dialect}] rate limits in the database`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await freshDatabase(dialect);
    });
    after(async () => db.destroy());

    test('fixed window: limit attempts per key, reset after the window, Retry-After in seconds', async () => {
      let t = 1_000_000;
      const rl = createRateLimiter(db, { name: 'window', limit: 2, windowMs: 60_000, now: () => t });
      assert.deepEqual(await rl.hit('a'), { ok: true, retryAfterSeconds: 60, remaining: 1 });
      assert.equal((await rl.hit('a')).ok, true);
      t += 15_000;
      assert.deepEqual(await rl.hit('a'), { ok: false, retryAfterSeconds: 45, remaining: 0 });
      assert.equal((await rl.hit('b')).ok, true, 'keys are independent');
      t += 45_000;
      assert.equal((await rl.hit('a')).ok, true, 'a new window');
    });

    test('two processes on one database share a limit; limiters with other names do not', async () => {
      const first = createRateLimiter(db, { name: 'signin', limit: 3, windowMs: 60_000 });
      const second = createRateLimiter(db, { name: 'signin', limit: 3, windowMs: 60_000 });
      const other = createRateLimiter(db, { name: 'submit', limit: 3, windowMs: 60_000 });
      assert.equal((await first.hit('10.0.0.1')).ok, true);
      assert.equal((await second.hit('10.0.0.1')).ok, true);
      assert.equal((await first.hit('10.0.0.1')).ok, true);
      assert.equal((await second.hit('10.0.0.1')).ok, false, 'the fourth attempt, from either process, is refused');
      assert.equal((await other.hit('10.0.0.1')).ok, true);
      const keys = (await db.db.selectFrom('rate_limits').select('key').execute()).map((r) => r.key);
      assert.ok(
        keys.every((k) => /^[0-9a-f]{64}$/.test(k)),
        'keys are hashed: no address at rest',
      );
    });

    test('concurrent attempts are counted exactly', async () => {
      const rl = createRateLimiter(db, { name: 'burst', limit: 5, windowMs: 60_000 });
      const results = await Promise.all(Array.from({ length: 20 }, () => rl.hit('same')));
      assert.equal(results.filter((r) => r.ok).length, 5);
    });
  });

test('feed day and weekend are counted in the feed time zone', () => {
  const lateTuesdayNY = new Date('2026-03-11T02:30:00.000Z');
  assert.equal(feedDay(lateTuesdayNY, 'America/New_York'), '2026-03-10');
  assert.equal(feedDay(lateTuesdayNY, 'UTC'), '2026-03-11');
  assert.equal(isWeekend(new Date('2026-03-14T03:00:00.000Z'), 'America/New_York'), false, 'Friday evening in New York');
  assert.equal(isWeekend(new Date('2026-03-14T03:00:00.000Z'), 'UTC'), true, 'already Saturday in UTC');
});
