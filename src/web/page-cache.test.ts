import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPageCache } from './page-cache.js';

test('page cache: valid for its feed version and age, bounded, least recently used goes first', () => {
  let now = 0;
  const cache = createPageCache({ maxAgeMs: 1000, entries: 2, now: () => now });
  const page = (v: number) => ({ version: v, at: now, contentType: 'text/html', body: Buffer.from(`v${v}`) });
  cache.set('/a', page(1));
  assert.equal(cache.get('/a', 1)?.body.toString(), 'v1');
  assert.equal(cache.get('/a', 2), null, 'another feed version');
  assert.equal(cache.get('/a', 1), null, 'and it was dropped');
  cache.set('/a', page(1));
  now = 1001;
  assert.equal(cache.get('/a', 1), null, 'too old');
  cache.set('/a', page(1));
  cache.set('/b', page(1));
  cache.get('/a', 1);
  cache.set('/c', page(1));
  assert.ok(cache.get('/a', 1) && cache.get('/c', 1));
  assert.equal(cache.get('/b', 1), null, 'least recently used evicted');
});
