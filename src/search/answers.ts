// Searches under load. A search costs tens of milliseconds of CPU, most of it on the event loop:
// thirty-two clients searching at once kept every other route waiting for seconds. So:
// - identical searches are answered once: a search already computing is joined, and its rendered
//   answer is kept (bounded by bytes) while the search service's answerState().version (model,
//   vectors, papers) is the one it was computed at, and ANSWER_MAX_AGE_MS at most (upvotes and
//   feed entries in the answers change with every vote);
// - at most `concurrency` searches compute at once and `queue` more wait; past that, SearchBusy
//   (503 with Retry-After at the edge), so that a flood of distinct searches cannot queue without end;
// - a finished search gives its turn to the next one only after the event loop has had a turn
//   (setImmediate), so the requests that arrived meanwhile (/healthz, pages) are served between
//   searches.
// The answers hold nothing of a member: the same for everyone who asks.
import type { SearchRequest, SearchResult, SearchService } from './service.js';

/** How long an answer is kept at most: votes change the upvotes and feed entries it shows. */
export const ANSWER_MAX_AGE_MS = 10_000;
/** An answer larger than this share of the cache is not kept (it would evict too many others). */
const LARGEST_SHARE = 1 / 8;

export class SearchBusy extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`search: too many searches at once; try again in ${retryAfterSeconds} s`);
  }
}

/** A rendered answer (a JSON body, an HTML fragment) and what it weighs in the cache. */
export interface Rendered<T> {
  value: T;
  bytes: number;
}

export interface SearchAnswersOptions {
  /** searches computing at once (at least 1) */
  concurrency: number;
  /** searches waiting for a turn (0: none wait) */
  queue: number;
  /** bytes of rendered answers kept (0: none) */
  cacheBytes: number;
  maxAgeMs?: number;
  now?: () => number;
}

export interface SearchAnswerStats {
  running: number;
  waiting: number;
  cachedAnswers: number;
  cachedBytes: number;
}

export interface SearchAnswers {
  /**
   * The answer to `req` as `view` renders it (`view` names the rendering: an API body, a page
   * fragment), from the cache, from the same search computing now, or computed in turn.
   * Throws SearchBusy when the queue is full.
   */
  answer<T>(view: string, req: SearchRequest, render: (result: SearchResult) => Promise<Rendered<T>> | Rendered<T>): Promise<T>;
  stats(): SearchAnswerStats;
}

/** The request with its defaults applied, its fields in one order: equal searches, equal keys. */
export function searchKey(view: string, req: SearchRequest): string {
  return JSON.stringify([
    view,
    req.q,
    req.limit,
    req.from ?? '',
    req.to ?? '',
    req.category ?? '',
    Boolean(req.featured),
    req.sort ?? 'relevance',
    Boolean(req.hasCode),
  ]);
}

interface Entry {
  version: string;
  at: number;
  value: unknown;
  bytes: number;
}

export function createSearchAnswers(search: SearchService, o: SearchAnswersOptions): SearchAnswers {
  const concurrency = Math.max(1, o.concurrency);
  const maxAge = o.maxAgeMs ?? ANSWER_MAX_AGE_MS;
  const now = o.now ?? Date.now;
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recent.
  const cache = new Map<string, Entry>();
  let cachedBytes = 0;
  const computing = new Map<string, Promise<unknown>>();
  let running = 0;
  const waiting: (() => void)[] = [];
  /** recent time one search takes (ms), for Retry-After */
  let typicalMs = 50;

  const drop = (key: string) => {
    const e = cache.get(key);
    if (!e) return;
    cache.delete(key);
    cachedBytes -= e.bytes;
  };
  const keep = (key: string, e: Entry) => {
    if (e.bytes > o.cacheBytes * LARGEST_SHARE) return;
    drop(key);
    cache.set(key, e);
    cachedBytes += e.bytes;
    while (cachedBytes > o.cacheBytes) drop(cache.keys().next().value as string);
  };

  /** A turn to compute: now, after the searches ahead of it, or SearchBusy when the queue is full. */
  async function admit(): Promise<void> {
    if (running < concurrency && waiting.length === 0) {
      running++;
      return;
    }
    if (waiting.length >= o.queue) {
      const ahead = waiting.length + running;
      throw new SearchBusy(Math.max(1, Math.ceil((ahead * typicalMs) / concurrency / 1000)));
    }
    // The finishing search hands its turn over (release), so `running` stays counted.
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  function release(): void {
    // The turn passes on only once the event loop has served the requests that arrived meanwhile:
    // a search that never waited on anything (most of one is synchronous) still holds its turn
    // until then. Freed at once, the next request read in the same pass took it, and thirty-two
    // searches ran back to back while /healthz waited.
    setImmediate(() => {
      const next = waiting.shift();
      if (next) next();
      else running--;
    });
  }

  async function compute<T>(key: string, req: SearchRequest, render: (result: SearchResult) => Promise<Rendered<T>> | Rendered<T>): Promise<T> {
    await admit();
    const started = now();
    let rendered: Rendered<T>;
    let state: { version: string; hybrid: boolean };
    let result: SearchResult;
    try {
      state = search.answerState();
      result = await search.search(req);
      rendered = await render(result);
    } finally {
      typicalMs = typicalMs * 0.8 + (now() - started) * 0.2;
      release();
    }
    // A lexical answer where a hybrid one was due (the query embedding was too slow) is not kept.
    if (o.cacheBytes > 0 && result.mode === (state.hybrid ? 'hybrid' : 'lexical'))
      keep(key, { version: state.version, at: now(), value: rendered.value, bytes: rendered.bytes });
    return rendered.value;
  }

  return {
    async answer(view, req, render) {
      const key = searchKey(view, req);
      const hit = cache.get(key);
      if (hit) {
        if (hit.version === search.answerState().version && now() - hit.at <= maxAge) {
          cache.delete(key);
          cache.set(key, hit);
          return hit.value as never;
        }
        drop(key);
      }
      const same = computing.get(key);
      if (same) return (await same) as never;
      const p = compute(key, req, render).finally(() => computing.delete(key));
      computing.set(key, p);
      return p;
    },
    stats: () => ({ running, waiting: waiting.length, cachedAnswers: cache.size, cachedBytes }),
  };
}
