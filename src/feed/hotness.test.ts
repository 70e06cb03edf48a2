import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hotness, HOTNESS_EPOCH, HOTNESS_WINDOW_MS } from './hotness.js';

// A fixed clock: every time below is relative to this instant.
const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const hoursAgo = (h: number) => new Date(NOW - h * 3600_000);

test('exact values: zero upvotes at the epoch is 0; nine upvotes add one; one window adds one', () => {
  assert.equal(hotness(0, new Date(HOTNESS_EPOCH)), 0);
  assert.equal(hotness(9, new Date(HOTNESS_EPOCH)), 1);
  assert.equal(hotness(99, new Date(HOTNESS_EPOCH)), 2);
  assert.equal(hotness(0, new Date(HOTNESS_EPOCH + HOTNESS_WINDOW_MS)), 1);
  assert.equal(hotness(0, '2020-01-01T22:00:00.000Z'), 1);
  assert.equal(hotness(1, new Date(HOTNESS_EPOCH)), 0.30103);
  // 2026-03-10T12:00Z is 2260.5 days after the epoch: 54252 hours / 22 = 2466 exactly.
  assert.equal(hotness(0, new Date(NOW)), 2466);
  assert.equal(hotness(4, new Date(NOW)), 2466.69897);
});

test('22 hours of age cancel a tenfold difference in points', () => {
  // 9 upvotes (10 points) submitted 22 hours ago == 0 upvotes (1 point) submitted now.
  assert.equal(hotness(9, hoursAgo(22)), hotness(0, hoursAgo(0)));
  assert.equal(hotness(99, hoursAgo(44)), hotness(9, hoursAgo(22)));
});

test('orderings: more votes beat fewer at the same age; newer beats older at the same votes', () => {
  assert.ok(hotness(10, hoursAgo(5)) > hotness(9, hoursAgo(5)));
  assert.ok(hotness(3, hoursAgo(1)) > hotness(3, hoursAgo(2)));
  // a fresh paper with a few votes overtakes yesterday's popular one, which still beats a fresh
  // paper with no votes; last week's hit has faded below all of them
  const ranked = [
    { name: 'yesterday-50', h: hotness(50, hoursAgo(30)) },
    { name: 'today-5', h: hotness(5, hoursAgo(2)) },
    { name: 'week-500', h: hotness(500, hoursAgo(7 * 24)) },
    { name: 'now-0', h: hotness(0, hoursAgo(0)) },
  ].sort((a, b) => b.h - a.h);
  assert.deepEqual(
    ranked.map((r) => r.name),
    ['today-5', 'yesterday-50', 'now-0', 'week-500'],
  );
});

test('the value does not depend on when it is computed, and rejects bad times', () => {
  assert.equal(hotness(7, '2026-03-10T00:00:00.000Z'), hotness(7, new Date('2026-03-10T00:00:00.000Z')));
  assert.equal(hotness(-3, new Date(HOTNESS_EPOCH)), 0);
  assert.throws(() => hotness(1, 'not a date'), /hotness: bad submission time/);
});
