// Rendered responses for anonymous visitors, keyed by URL and valid while the feed version
// (src/feed/daily.ts feedVersion) is the one they were rendered at. Signed-in pages differ per
// member (their upvotes, their CSRF token) and are never cached. The age limit catches what the
// version does not count: a paper re-imported with a new title, a renamed member. One cache per
// app (AppDeps.pageCache): entries are only meaningful against the database they were rendered from.

export interface CachedPage {
  version: number;
  at: number;
  contentType: string;
  /** encoded once: sending a cached page costs no re-encoding */
  body: Buffer;
  headers?: Record<string, string>;
}

export interface PageCache {
  get(key: string, version: number): CachedPage | null;
  set(key: string, page: CachedPage): void;
}

export const PAGE_CACHE_MAX_AGE_MS = 60_000;
export const PAGE_CACHE_ENTRIES = 500;

export function createPageCache(o: { maxAgeMs?: number; entries?: number; now?: () => number } = {}): PageCache {
  const maxAge = o.maxAgeMs ?? PAGE_CACHE_MAX_AGE_MS;
  const size = o.entries ?? PAGE_CACHE_ENTRIES;
  const now = o.now ?? Date.now;
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recent.
  const entries = new Map<string, CachedPage>();
  return {
    get(key, version) {
      const hit = entries.get(key);
      if (!hit) return null;
      if (hit.version !== version || now() - hit.at > maxAge) {
        entries.delete(key);
        return null;
      }
      entries.delete(key);
      entries.set(key, hit);
      return hit;
    },
    set(key, page) {
      entries.delete(key);
      entries.set(key, page);
      if (entries.size > size) entries.delete(entries.keys().next().value as string);
    },
  };
}
