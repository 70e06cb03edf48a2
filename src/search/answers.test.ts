import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSearchAnswers, SearchBusy, searchKey } from './answers.js';
import type { SearchRequest, SearchResult, SearchService } from './service.js';

const req = (q: string, more: Partial<SearchRequest> = {}): SearchRequest => ({ q, limit: 30, featured: false, sort: 'relevance', ...more });

/** A search service whose searches the test lets finish (or that finish at once), counting them. */
function fakeSearch(o: { manual?: boolean; mode?: 'hybrid' | 'lexical' } = {}) {
  const state = { version: 'v1', hybrid: false };
  const calls: string[] = [];
  const pending: (() => void)[] = [];
  const service = {
    embedder: null,
    answerState: () => ({ ...state }),
    async search(r: SearchRequest): Promise<SearchResult> {
      calls.push(r.q);
      if (o.manual) await new Promise<void>((resolve) => pending.push(resolve));
      return { papers: [], mode: o.mode ?? 'lexical' };
    },
  } as unknown as SearchService;
  return { service, state, calls, pending };
}

const render = (r: SearchResult) => ({ value: `${r.mode}:${r.papers.length}`, bytes: 100 });

describe('search answers', () => {
  test('the key is the normalised request: equal searches, equal keys; any difference, another key', () => {
    assert.equal(searchKey('api', req('x')), searchKey('api', { q: 'x', limit: 30 }));
    assert.notEqual(searchKey('api', req('x')), searchKey('page', req('x')));
    assert.notEqual(searchKey('api', req('x')), searchKey('api', req('x', { limit: 5 })));
    assert.notEqual(searchKey('api', req('x')), searchKey('api', req('x', { category: 'cs.LG' })));
    assert.notEqual(searchKey('api', req('x')), searchKey('api', req('X')));
  });

  test('a repeated search is answered from the cache until the version changes or the answer is too old', async () => {
    const s = fakeSearch();
    let clock = 0;
    const answers = createSearchAnswers(s.service, { concurrency: 2, queue: 10, cacheBytes: 10_000, maxAgeMs: 1000, now: () => clock });
    assert.equal(await answers.answer('api', req('a'), render), 'lexical:0');
    assert.equal(await answers.answer('api', req('a'), render), 'lexical:0');
    assert.deepEqual(s.calls, ['a']);
    s.state.version = 'v2'; // papers or model changed
    await answers.answer('api', req('a'), render);
    assert.deepEqual(s.calls, ['a', 'a']);
    clock += 1001;
    await answers.answer('api', req('a'), render);
    assert.deepEqual(s.calls, ['a', 'a', 'a']);
  });

  test('identical searches at once compute once', async () => {
    const s = fakeSearch({ manual: true });
    const answers = createSearchAnswers(s.service, { concurrency: 1, queue: 0, cacheBytes: 0 });
    const all = Array.from({ length: 5 }, () => answers.answer('api', req('same'), render));
    await new Promise((r) => setImmediate(r));
    s.pending.shift()!();
    assert.deepEqual(await Promise.all(all), Array(5).fill('lexical:0'));
    assert.deepEqual(s.calls, ['same']);
  });

  test('the cache is bounded by bytes, least recently used out first', async () => {
    const s = fakeSearch();
    const answers = createSearchAnswers(s.service, { concurrency: 1, queue: 10, cacheBytes: 800 });
    for (const q of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) await answers.answer('api', req(q), render);
    assert.deepEqual([answers.stats().cachedAnswers, answers.stats().cachedBytes], [8, 800]);
    await answers.answer('api', req('a'), render); // a is now the most recent
    await answers.answer('api', req('i'), render); // b goes
    assert.equal(answers.stats().cachedBytes, 800);
    const before = s.calls.length;
    await answers.answer('api', req('a'), render);
    assert.equal(s.calls.length, before);
    await answers.answer('api', req('b'), render);
    assert.equal(s.calls.length, before + 1);
    // An answer over an eighth of the cache is served, not kept.
    await answers.answer('api', req('big'), () => ({ value: 'x', bytes: 101 }));
    await answers.answer('api', req('big'), () => ({ value: 'x', bytes: 101 }));
    assert.equal(s.calls.filter((q) => q === 'big').length, 2);
  });

  test('a lexical answer given where a hybrid one was due (slow embedding) is not kept', async () => {
    const s = fakeSearch({ mode: 'lexical' });
    s.state.hybrid = true;
    const answers = createSearchAnswers(s.service, { concurrency: 1, queue: 10, cacheBytes: 10_000 });
    await answers.answer('api', req('a'), render);
    await answers.answer('api', req('a'), render);
    assert.deepEqual(s.calls, ['a', 'a']);
  });

  test('at most `concurrency` searches compute; `queue` wait; past them SearchBusy with a retry time', async () => {
    const s = fakeSearch({ manual: true });
    const answers = createSearchAnswers(s.service, { concurrency: 2, queue: 1, cacheBytes: 0 });
    const running = [answers.answer('api', req('1'), render), answers.answer('api', req('2'), render)];
    const queued = answers.answer('api', req('3'), render);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(s.calls, ['1', '2']);
    assert.deepEqual(answers.stats(), { running: 2, waiting: 1, cachedAnswers: 0, cachedBytes: 0 });
    await assert.rejects(answers.answer('api', req('4'), render), (e: unknown) => e instanceof SearchBusy && e.retryAfterSeconds >= 1);
    s.pending.shift()!();
    await running[0];
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(s.calls, ['1', '2', '3']);
    s.pending.shift()!();
    s.pending.shift()!();
    await Promise.all([...running, queued]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(answers.stats(), { running: 0, waiting: 0, cachedAnswers: 0, cachedBytes: 0 });
  });

  test('a failed search frees its turn', async () => {
    const s = fakeSearch();
    const answers = createSearchAnswers(s.service, { concurrency: 1, queue: 0, cacheBytes: 0 });
    await assert.rejects(
      answers.answer('api', req('a'), () => {
        throw new Error('render failed');
      }),
      /render failed/,
    );
    await new Promise((r) => setImmediate(r));
    assert.equal(await answers.answer('api', req('b'), render), 'lexical:0');
  });

  test('between two searches the event loop has a turn (other requests are served)', async () => {
    const log: string[] = [];
    const service = {
      answerState: () => ({ version: 'v', hybrid: false }),
      async search(r: SearchRequest): Promise<SearchResult> {
        log.push(`start ${r.q}`);
        await Promise.resolve();
        log.push(`end ${r.q}`);
        return { papers: [], mode: 'lexical' };
      },
    } as unknown as SearchService;
    const answers = createSearchAnswers(service, { concurrency: 1, queue: 10, cacheBytes: 0 });
    const both = [answers.answer('api', req('a'), render), answers.answer('api', req('b'), render)];
    setImmediate(() => log.push('other request'));
    await Promise.all(both);
    assert.deepEqual(log, ['start a', 'end a', 'other request', 'start b', 'end b']);
  });

  test('a search that finished without waiting holds its turn until the event loop has had one', async () => {
    const log: string[] = [];
    const service = {
      answerState: () => ({ version: 'v', hybrid: false }),
      search: (r: SearchRequest): Promise<SearchResult> => {
        log.push(`search ${r.q}`); // all of it synchronous, as most of a real search is
        return Promise.resolve({ papers: [], mode: 'lexical' });
      },
    } as unknown as SearchService;
    const answers = createSearchAnswers(service, { concurrency: 1, queue: 10, cacheBytes: 0 });
    await answers.answer('api', req('a'), render);
    // A request read in the same pass of the event loop waits for the next pass.
    const b = answers.answer('api', req('b'), render);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    assert.deepEqual(log, ['search a']);
    assert.deepEqual(answers.stats().waiting, 1);
    await b;
    assert.deepEqual(log, ['search a', 'search b']);
  });
});
