import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRateLimiter } from './rate-limit.js';
import { feedDay, isWeekend } from './feed-day.js';

test('fixed window: limit attempts per key, reset after the window, Retry-After in seconds', () => {
  let t = 1_000_000;
  const rl = createRateLimiter({ limit: 2, windowMs: 60_000, now: () => t });
  assert.deepEqual(rl.hit('a'), { ok: true, retryAfterSeconds: 60, remaining: 1 });
  assert.equal(rl.hit('a').ok, true);
  t += 15_000;
  assert.deepEqual(rl.hit('a'), { ok: false, retryAfterSeconds: 45, remaining: 0 });
  assert.equal(rl.hit('b').ok, true, 'keys are independent');
  t += 45_000;
  assert.equal(rl.hit('a').ok, true, 'a new window');
});

test('memory stays bounded', () => {
  const rl = createRateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 3 });
  for (let i = 0; i < 10; i++) assert.equal(rl.hit(`k${i}`).ok, true);
});

test('feed day and weekend are counted in the feed time zone', () => {
  const lateTuesdayNY = new Date('2026-03-11T02:30:00.000Z');
  assert.equal(feedDay(lateTuesdayNY, 'America/New_York'), '2026-03-10');
  assert.equal(feedDay(lateTuesdayNY, 'UTC'), '2026-03-11');
  assert.equal(isWeekend(new Date('2026-03-14T03:00:00.000Z'), 'America/New_York'), false, 'Friday evening in New York');
  assert.equal(isWeekend(new Date('2026-03-14T03:00:00.000Z'), 'UTC'), true, 'already Saturday in UTC');
});
