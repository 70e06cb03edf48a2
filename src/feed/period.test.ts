import { test } from 'node:test';
import assert from 'node:assert/strict';
import { feedDayOf, isoWeekOf, parseDay, parseMonth, parseWeek, PeriodError, periodLabel, periodPath, shiftPeriod, weekOf } from './period.js';

test('days: real calendar days only', () => {
  assert.deepEqual(parseDay('2026-05-29'), { kind: 'day', key: '2026-05-29', from: '2026-05-29', to: '2026-05-29' });
  assert.ok(parseDay('2024-02-29'));
  for (const bad of ['2025-13-45', '2025-02-29', '2026-04-31', '2026-5-1', '26-05-01', '2026-05-01x', '']) {
    assert.throws(() => parseDay(bad), PeriodError, bad);
  }
  assert.throws(() => parseDay('2025-13-45'), /period: date "2025-13-45"/);
});

test('ISO weeks: Monday to Sunday, week-years at the year boundary', () => {
  assert.deepEqual(parseWeek('2026-W22'), { kind: 'week', key: '2026-W22', from: '2026-05-25', to: '2026-05-31' });
  // 2021-01-03 (a Sunday) belongs to 2020-W53; 2024-12-30 (a Monday) to 2025-W01.
  assert.deepEqual(isoWeekOf('2021-01-03'), { year: 2020, week: 53 });
  assert.deepEqual(isoWeekOf('2024-12-30'), { year: 2025, week: 1 });
  assert.equal(weekOf('2026-01-01').key, '2026-W01');
  assert.equal(parseWeek('2020-W53').from, '2020-12-28');
  assert.equal(parseWeek('2026-W53').to, '2027-01-03'); // 2026 starts on a Thursday: 53 weeks
  assert.throws(() => parseWeek('2025-W53'), /no ISO week 53/);
  assert.throws(() => parseWeek('2026-W00'), PeriodError);
  assert.throws(() => parseWeek('2026-22'), PeriodError);
});

test('months, shifting and labels', () => {
  assert.deepEqual(parseMonth('2024-02'), { kind: 'month', key: '2024-02', from: '2024-02-01', to: '2024-02-29' });
  assert.throws(() => parseMonth('2024-13'), PeriodError);
  assert.equal(shiftPeriod(parseMonth('2026-01'), -1).key, '2025-12');
  assert.equal(shiftPeriod(parseMonth('2025-12'), 1).key, '2026-01');
  assert.equal(shiftPeriod(parseWeek('2020-W53'), 1).key, '2021-W01');
  assert.equal(shiftPeriod(parseDay('2026-03-01'), -1).key, '2026-02-28');
  assert.equal(periodLabel(parseDay('2026-05-29')), 'Friday, May 29, 2026');
  assert.equal(periodLabel(parseWeek('2026-W22')), 'Week 22 of 2026 (May 25 – May 31)');
  assert.equal(periodLabel(parseMonth('2026-05')), 'May 2026');
  assert.equal(periodPath(parseWeek('2026-W22')), '/papers/week/2026-W22');
  assert.equal(periodPath(parseDay('2026-05-29')), '/papers/date/2026-05-29');
});

test('feed day of an instant is counted in the feed time zone', () => {
  // 02:00 UTC on May 30 is still the evening of May 29 in New York.
  assert.equal(feedDayOf('2026-05-30T02:00:00Z', 'America/New_York'), '2026-05-29');
  assert.equal(feedDayOf('2026-05-30T02:00:00Z', 'UTC'), '2026-05-30');
});
