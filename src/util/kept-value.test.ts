import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keptValue } from './kept-value.js';

test('keptValue: loaded once per max age, a stale value answered at once while one reload runs, a failed reload keeps the last', async () => {
  let clock = 0;
  let counts = 0;
  let n = 10;
  let fail = false;
  let release: (() => void) | null = null;
  const count = () => {
    counts++;
    if (fail) return Promise.reject(new Error('database away'));
    const value = n;
    return new Promise<number>((resolve) => {
      release = () => resolve(value);
    });
  };
  const get = keptValue(count, 1000, () => clock);
  const first = get();
  release!();
  assert.equal(await first, 10);
  n = 11;
  clock = 999;
  assert.equal(await get(), 10);
  assert.equal(counts, 1, 'no recount within the max age');
  clock = 1000;
  assert.equal(await get(), 10, 'stale: answered at once');
  assert.equal(await get(), 10);
  assert.equal(counts, 2, 'one recount for both calls');
  release!();
  await new Promise((r) => setImmediate(r));
  assert.equal(await get(), 11);
  fail = true;
  clock = 5000;
  assert.equal(await get(), 11);
  await new Promise((r) => setImmediate(r));
  assert.equal(await get(), 11, 'a failed recount keeps the last count, and the next call tries again');
  assert.equal(counts, 4);
});
