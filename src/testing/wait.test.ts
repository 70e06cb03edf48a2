import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './wait.js';

test('waitFor resolves once the condition holds, sync or async', async () => {
  let n = 0;
  await waitFor(() => ++n >= 3, { what: 'three tries', intervalMs: 1 });
  assert.equal(n, 3);
  await waitFor(async () => true, { what: 'an async condition' });
});

test('waitFor names what it waited for when it times out', async () => {
  await assert.rejects(
    waitFor(() => false, { what: 'the moon', timeoutMs: 20, intervalMs: 5 }),
    /^Error: wait: timed out after 20 ms waiting for the moon$/,
  );
});
