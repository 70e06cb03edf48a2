// Rendered responses for anonymous visitors (feed pages, /api/daily_papers, the Atom feeds), keyed
// by URL. Signed-in pages differ per member (their upvotes, their CSRF token) and are never cached.
// One cache per app (AppDeps.pageCache): entries are only meaningful against their database.
//
// Writes never empty the cache. A page is current while the feed version (src/feed/daily.ts
// feedVersion, bumped by every write to a submission) reads what it was rendered at; but under a
// steady stream of votes the version changes every few milliseconds, and re-rendering every page
// at every vote cost 25-60% of the throughput. So a page may be up to `staleMs` behind the database:
//   - for staleMs/2 after it was rendered or last found current, it is served as it is (no query);
//   - then the next request checks the version, and re-renders the page if it changed, while the
//     requests that come meanwhile get the copy they would have had (stale-while-revalidate);
//   - past staleMs nobody gets the copy: requests wait for the one render under way.
// However many requests miss one URL at once, one render runs and they all get its result.
// maxAgeMs catches what the version does not count (a paper re-imported with a new title, a
// renamed member): a page that old is rendered again whatever the version says.
//
// Bounded by bytes, least recently used first; entries past maxAgeMs are swept on a timer, so the
// memory of a burst of distinct URLs goes back once they expire, not when they are asked for again.

export interface CachedPage {
  contentType: string;
  /** encoded once: sending a cached page costs no re-encoding */
  body: Buffer;
  headers?: Record<string, string>;
}

/** hit: served from the cache as current; stale: from the cache while another request re-renders; miss: rendered (or waited for a render) */
export type CacheState = 'hit' | 'stale' | 'miss';

export interface PageCacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  stale: number;
  renders: number;
}

export interface PageCache {
  /**
   * The page at `key`: from the cache while it may be (see above), else from render(). version()
   * reads the feed version; it is only called when the page's time to be served as is has run out.
   */
  serve(key: string, version: () => Promise<number>, render: () => Promise<CachedPage>): Promise<{ page: CachedPage; state: CacheState }>;
  /** drop the entries past their age limit (the timer does this while entries are held) */
  sweep(): void;
  stats(): PageCacheStats;
  /** stops the sweep timer */
  close(): void;
}

export const PAGE_CACHE_MAX_AGE_MS = 60_000;
/** what an entry costs beyond its body, key and headers (the Map slot, the objects): a round guess */
const ENTRY_OVERHEAD_BYTES = 256;

interface Entry {
  page: CachedPage;
  /** the feed version read before the page was rendered */
  version: number;
  /** when the render began: the page shows the database as it was then, or later */
  renderedAt: number;
  /** when the page was last known current (rendered, or its version found unchanged) */
  checkedAt: number;
  bytes: number;
}

export interface PageCacheOptions {
  /** total size of the cached entries; 0 keeps nothing (renders are still shared) */
  maxBytes: number;
  /** how far behind the database a page may be served; 0: every request checks the version */
  staleMs: number;
  maxAgeMs?: number;
  now?: () => number;
  /** how often expired entries are dropped; 0: only by sweep() */
  sweepEveryMs?: number;
}

export function createPageCache(o: PageCacheOptions): PageCache {
  const { maxBytes, staleMs } = o;
  const maxAge = o.maxAgeMs ?? PAGE_CACHE_MAX_AGE_MS;
  const now = o.now ?? Date.now;
  const sweepEvery = o.sweepEveryMs ?? Math.max(1000, maxAge / 4);
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recent.
  const entries = new Map<string, Entry>();
  const running = new Map<string, Promise<{ page: CachedPage; state: CacheState }>>();
  let bytes = 0;
  let hits = 0;
  let stale = 0;
  let renders = 0;
  let timer: NodeJS.Timeout | null = null;

  const drop = (key: string) => {
    const e = entries.get(key);
    if (!e) return;
    entries.delete(key);
    bytes -= e.bytes;
  };
  const sweep = () => {
    const t = now();
    for (const [key, e] of entries) if (t - e.renderedAt > maxAge) drop(key);
  };
  const armSweep = () => {
    if (timer || !sweepEvery) return;
    timer = setTimeout(() => {
      timer = null;
      sweep();
      if (entries.size) armSweep();
    }, sweepEvery);
    // The sweep never keeps the process alive.
    timer.unref();
  };
  const store = (key: string, entry: Omit<Entry, 'bytes'>) => {
    drop(key);
    let size = ENTRY_OVERHEAD_BYTES + entry.page.body.length + key.length + entry.page.contentType.length;
    for (const [name, value] of Object.entries(entry.page.headers ?? {})) size += name.length + value.length;
    if (size > maxBytes) return;
    entries.set(key, { ...entry, bytes: size });
    bytes += size;
    while (bytes > maxBytes) drop(entries.keys().next().value as string);
    armSweep();
  };
  // Check the version and render if it moved; whoever asks for the key meanwhile shares this.
  const refresh = (key: string, old: Entry | undefined, version: () => Promise<number>, render: () => Promise<CachedPage>) => {
    const job = (async (): Promise<{ page: CachedPage; state: CacheState }> => {
      const startedAt = now();
      const v = await version();
      if (old && v === old.version && entries.get(key) === old) {
        old.checkedAt = startedAt;
        hits++;
        return { page: old.page, state: 'hit' };
      }
      renders++;
      const page = await render();
      store(key, { page, version: v, renderedAt: startedAt, checkedAt: startedAt });
      return { page, state: 'miss' };
    })();
    running.set(key, job);
    const done = () => {
      if (running.get(key) === job) running.delete(key);
    };
    job.then(done, done);
    return job;
  };

  return {
    async serve(key, version, render) {
      const t = now();
      const e = entries.get(key);
      if (e && t - e.renderedAt > maxAge) drop(key);
      else if (e) {
        entries.delete(key);
        entries.set(key, e);
        const age = t - e.checkedAt;
        if (age < staleMs / 2) {
          hits++;
          return { page: e.page, state: 'hit' };
        }
        const underway = running.get(key);
        if (underway && age <= staleMs) {
          stale++;
          return { page: e.page, state: 'stale' };
        }
        return underway ?? refresh(key, e, version, render);
      }
      return running.get(key) ?? refresh(key, undefined, version, render);
    },
    sweep,
    stats: () => ({ entries: entries.size, bytes, maxBytes, hits, stale, renders }),
    close() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
