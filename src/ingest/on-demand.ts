import type { Paper } from '../papers/paper.js';
import type { PaperStore } from '../papers/store.js';
import { type PaperFetcher, PaperSourceUnavailable } from '../community/submissions.js';

// Any arXiv id on demand (issue #28): a paper page or API lookup of a well-formed id that is not
// stored asks arXiv for it (the process's polite client, through /submit's fetcher), stores it on
// the normal write path (so search and feeds see it) and answers with it. One fetch per id at a
// time, however many readers ask at once; an id arXiv has no paper for is not asked again for a while.

/** How long an id arXiv had no paper for is answered 404 without asking again. */
export const MISS_TTL_MS = 10 * 60_000;
/** What Retry-After says when arXiv could not be reached. */
export const UNAVAILABLE_RETRY_AFTER_S = 60;
// Misses remembered at most (oldest forgotten first): a crawler walking ids cannot grow it without bound.
const MAX_MISSES = 10_000;

export type OnDemandAnswer = { paper: Paper } | { missing: true } | { unavailable: true; retryAfterS: number };

export interface PaperOnDemand {
  /** The stored paper, else arXiv's (fetched and stored now), else why not. `id` is a canonical arXiv id. */
  get(id: string): Promise<OnDemandAnswer>;
}

export function createPaperOnDemand(o: {
  papers: PaperStore;
  fetcher: PaperFetcher | null;
  now?: () => number;
  missTtlMs?: number;
  log?: (line: string) => void;
}): PaperOnDemand {
  const now = o.now ?? Date.now;
  const ttl = o.missTtlMs ?? MISS_TTL_MS;
  const inFlight = new Map<string, Promise<OnDemandAnswer>>();
  const misses = new Map<string, number>();

  async function fetchAndStore(id: string, fetcher: PaperFetcher): Promise<OnDemandAnswer> {
    let record: Awaited<ReturnType<PaperFetcher>>;
    try {
      record = await fetcher(id);
    } catch (e) {
      // PaperSourceUnavailable (no answer, 5xx, rate limited) or anything else on the way: a reader
      // gets "try again", never a server error, for arXiv's trouble.
      if (!(e instanceof PaperSourceUnavailable)) o.log?.(`on-demand: fetching ${id} failed: ${(e as Error).message}`);
      return { unavailable: true, retryAfterS: UNAVAILABLE_RETRY_AFTER_S };
    }
    if (!record) {
      if (misses.size >= MAX_MISSES) misses.delete(misses.keys().next().value as string);
      misses.set(id, now() + ttl);
      return { missing: true };
    }
    await o.papers.upsertMany([record]);
    const paper = await o.papers.get(id);
    return paper ? { paper } : { missing: true };
  }

  return {
    async get(id) {
      const stored = await o.papers.get(id);
      if (stored) return { paper: stored };
      const fetcher = o.fetcher;
      if (!fetcher) return { missing: true };
      const until = misses.get(id);
      if (until !== undefined) {
        if (until > now()) return { missing: true };
        misses.delete(id);
      }
      let flight = inFlight.get(id);
      if (!flight) {
        flight = fetchAndStore(id, fetcher).finally(() => inFlight.delete(id));
        inFlight.set(id, flight);
      }
      return flight;
    },
  };
}
