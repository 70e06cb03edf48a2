import type { PaperRecord } from '../papers/paper.js';
import type { NewPapersHook } from './harvest.js';

// Auto-feature for instances without an active community: with FEED_AUTO_CATEGORIES set, newly
// harvested papers in those categories are submitted to that day's feed by a system user.
// The feed/submissions side is reached only through this small interface, so the harvest does
// not depend on how submissions are stored.

export interface FeedSubmitter {
  /** submit these papers to the feed as the system user; returns how many were added */
  submitAsSystem(paperIds: string[]): Promise<number>;
}

export function autoFeatureHook(categories: string[], submitter: FeedSubmitter | null, log: (line: string) => void): NewPapersHook | undefined {
  if (!categories.length) return undefined;
  if (!submitter) {
    log('harvest: FEED_AUTO_CATEGORIES is set, but this build has no feed submissions to add papers to; ignoring it');
    return undefined;
  }
  const wanted = new Set(categories);
  return async (records: PaperRecord[]) => {
    const ids = records.filter((r) => r.categories.some((c) => wanted.has(c))).map((r) => r.id);
    if (ids.length) await submitter.submitAsSystem(ids);
  };
}
