import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCalendarDay, parseWholeNumber } from './strict-input.js';

test('whole numbers are decimal digits (an optional minus), small enough to be exact', () => {
  for (const [text, n] of [
    ['0', 0],
    ['16', 16],
    ['016', 16],
    ['-3', -3],
    ['9007199254740991', 9007199254740991],
  ] as const)
    assert.equal(parseWholeNumber(text), n, text);
  for (const text of ['', ' 5', '5 ', '+5', '0x10', '1e3', '1.0', '2.5', 'Infinity', '-Infinity', 'NaN', '1e309', '9007199254740993', '١٢'])
    assert.equal(parseWholeNumber(text), null, text);
});

test('a calendar day exists: leap years, month lengths, no month or day 0', () => {
  for (const day of ['2024-02-29', '2000-02-29', '2025-12-31', '2025-04-30', '0000-01-01', '0099-03-01']) assert.ok(isCalendarDay(day), day);
  for (const day of [
    '2025-02-29',
    '1900-02-29',
    '2025-02-30',
    '2025-04-31',
    '2025-13-01',
    '2025-00-10',
    '2025-01-00',
    '0000-00-00',
    '2025-1-1',
    '2025-01-01T00:00',
  ])
    assert.ok(!isCalendarDay(day), day);
});
