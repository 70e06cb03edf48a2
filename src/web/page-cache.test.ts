import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../testing/wait.js';
import { createPageCache, type CachedPage, type PageCacheOptions } from './page-cache.js';

/** A cache on a clock the test moves, a feed version the test sets, and renders it counts. */
function setup(o: Partial<PageCacheOptions> = {}) {
  const t = { now: 0, version: 1, versionReads: 0, renders: 0 };
  const cache = createPageCache({ maxBytes: 1 << 20, staleMs: 2000, maxAgeMs: 60_000, sweepEveryMs: 0, now: () => t.now, ...o });
  const version = async () => {
    t.versionReads++;
    return t.version;
  };
  const render = (text: string) => async (): Promise<CachedPage> => {
    t.renders++;
    return { contentType: 'text/plain', body: Buffer.from(text) };
  };
  const get = async (key: string, text = `${key}@v${t.version}`) => {
    const { page, state } = await cache.serve(key, version, render(text));
    return `${state} ${page.body}`;
  };
  return { t, cache, version, render, get };
}

/** A render that finishes when the test says. */
function deferredRender(text: string) {
  let finish!: () => void;
  const started = { count: 0 };
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const render = async (): Promise<CachedPage> => {
    started.count++;
    await done;
    return { contentType: 'text/plain', body: Buffer.from(text) };
  };
  return { render, finish, started };
}

test('page cache: one render however many requests miss the same URL at once', async () => {
  const { cache, version, t } = setup();
  const slow = deferredRender('rendered once');
  const waiting = Array.from({ length: 20 }, () => cache.serve('/', version, slow.render));
  // Let every request reach the cache before the render ends.
  await new Promise((resolve) => setImmediate(resolve));
  slow.finish();
  const pages = await Promise.all(waiting);
  assert.equal(slow.started.count, 1, 'one render');
  assert.equal(t.versionReads, 1, 'one version read');
  assert.ok(pages.every((p) => p.page.body.toString() === 'rendered once' && p.state === 'miss'));
  assert.equal(cache.stats().renders, 1);
});

test('page cache: a write is seen within the staleness bound, the page is never emptied by it', async () => {
  const { t, cache, version, get } = setup({ staleMs: 2000 });
  assert.equal(await get('/'), 'miss /@v1');
  // For half the bound the page is served as it is, without even reading the version.
  t.version = 2;
  t.now = 999;
  assert.equal(await get('/'), 'hit /@v1');
  assert.equal(t.versionReads, 1);
  // Then one request finds the version moved and re-renders, while the others get the stale copy.
  t.now = 1000;
  const slow = deferredRender('/@v2');
  const rerender = cache.serve('/', version, slow.render);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(slow.started.count, 1);
  assert.equal(await get('/'), 'stale /@v1');
  t.now = 2000;
  assert.equal(await get('/'), 'stale /@v1', 'up to the bound since the copy was last known current');
  // Past the bound nobody gets the old copy: requests wait for the render under way.
  t.now = 2001;
  const late = get('/');
  slow.finish();
  assert.equal((await rerender).page.body.toString(), '/@v2');
  assert.equal(await late, 'miss /@v2');
  assert.equal(slow.started.count, 1, 'the late request shared the render');
  assert.equal(await get('/'), 'hit /@v2');
  assert.deepEqual((({ hits, stale, renders }) => ({ hits, stale, renders }))(cache.stats()), { hits: 2, stale: 2, renders: 2 }, 'stats count what happened');
});

test('page cache: an unchanged version keeps the page current; past its age limit it is rendered again anyway', async () => {
  const { t, get } = setup({ staleMs: 2000, maxAgeMs: 10_000 });
  assert.equal(await get('/'), 'miss /@v1');
  t.now = 1500;
  assert.equal(await get('/'), 'hit /@v1', 'checked: still version 1');
  assert.equal(t.versionReads, 2);
  t.now = 2400;
  assert.equal(await get('/'), 'hit /@v1', 'current since 1500: no check needed yet');
  assert.equal(t.versionReads, 2);
  t.now = 10_001;
  assert.equal(await get('/', 'renamed'), 'miss renamed', 'a title changed without a vote shows within the age limit');
  assert.equal(t.renders, 2);
});

test('page cache: PAGE_CACHE_STALE=0 checks the version on every request', async () => {
  const { t, get } = setup({ staleMs: 0 });
  assert.equal(await get('/'), 'miss /@v1');
  assert.equal(await get('/'), 'hit /@v1');
  t.version = 2;
  assert.equal(await get('/'), 'miss /@v2', 'the write is seen at once');
  assert.equal(t.versionReads, 3);
});

test('page cache: bounded by bytes, least recently used dropped first; too big a page is served but not kept', async () => {
  const size = (body: number, key: string) => 256 + body + key.length + 'text/plain'.length;
  const page = 'x'.repeat(1000);
  const { t, cache, get } = setup({ maxBytes: 3 * size(1000, '/a') });
  for (const key of ['/a', '/b', '/c']) await get(key, page);
  assert.equal(cache.stats().bytes, 3 * size(1000, '/a'));
  await get('/a', page);
  await get('/d', page);
  assert.equal(cache.stats().entries, 3);
  assert.ok(cache.stats().bytes <= cache.stats().maxBytes);
  const renders = t.renders;
  assert.equal((await get('/a', page)).slice(0, 3), 'hit', '/a was used last-but-one: kept');
  assert.equal((await get('/b', page)).slice(0, 4), 'miss', '/b was the least recently used: dropped');
  assert.equal(t.renders, renders + 1);
  // A page bigger than the whole bound pushes nothing out.
  const before = cache.stats();
  assert.equal(await get('/huge', 'y'.repeat(4000)), `miss ${'y'.repeat(4000)}`);
  assert.deepEqual(cache.stats().entries, before.entries);
  assert.equal((await get('/huge', 'y')).slice(0, 4), 'miss');
});

test('page cache: entries past their age limit are dropped by the sweep, their bytes given back', async () => {
  const { t, cache, get } = setup({ maxAgeMs: 10_000 });
  for (let i = 0; i < 50; i++) await get(`/api/daily_papers?p=${i}`, 'z'.repeat(10_000));
  assert.equal(cache.stats().entries, 50);
  t.now = 5000;
  await get('/recent');
  t.now = 10_001;
  cache.sweep();
  assert.deepEqual([cache.stats().entries, cache.stats().bytes], [1, 256 + '/recent'.length + '/recent@v1'.length + 'text/plain'.length]);
});

test('page cache: the sweep timer runs by itself and stops on close()', async () => {
  let now = 0;
  const cache = createPageCache({ maxBytes: 1 << 20, staleMs: 2000, maxAgeMs: 10, sweepEveryMs: 5, now: () => now });
  await cache.serve(
    '/',
    async () => 1,
    async () => ({ contentType: 'text/plain', body: Buffer.from('x') }),
  );
  now = 11;
  await waitFor(() => cache.stats().entries === 0, { what: 'the sweep timer drops the expired entry' });
  cache.close();
});

test('page cache: a failed render fails the requests that waited for it, and the next request renders again', async () => {
  const { cache, version, get } = setup();
  const failing = async (): Promise<CachedPage> => {
    throw new Error('feed: database gone');
  };
  const both = [cache.serve('/', version, failing), cache.serve('/', version, failing)];
  for (const p of both) await assert.rejects(p, /database gone/);
  assert.equal(await get('/'), 'miss /@v1');
});
