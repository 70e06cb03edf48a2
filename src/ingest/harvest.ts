import type { PaperRecord } from '../papers/paper.js';
import type { PaperStore } from '../papers/store.js';
import { apiPageUrl, fetchApiPage } from './arxiv-api.js';
import { BadResumptionTokenError, fetchOaiPage, oaiListUrl, oaiResumeUrl } from './oai-client.js';
import type { Rejected } from '../papers/formats/atom.js';
import type { HarvestSettings } from './settings.js';
import type { PoliteHttp, Tally } from './polite-http.js';
import type { HarvestCounts, HarvestStore, HarvestWindow, WindowCursor } from './harvest-store.js';

// Running one harvest window page by page: fetch, store the good records, name the bad ones,
// then save the cursor, so a killed run picks up after the last committed page. A page stored
// again after a kill between the two writes is harmless: the store reports it "unchanged".

export type NewPapersHook = (records: PaperRecord[]) => Promise<void>;

export interface HarvestDeps {
  papers: PaperStore;
  windows: HarvestStore;
  http: PoliteHttp;
  settings: HarvestSettings;
  /** warnings and rejected records, one line each, prefixed "harvest: " */
  log: (line: string) => void;
  /** called after a page with new papers has been committed */
  onNewPapers?: NewPapersHook;
  /** called after every committed page (progress display) */
  onPage?: (window: HarvestWindow, page: PageOutcome) => void;
}

export interface PageOutcome {
  records: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** records outside ARXIV_CATEGORIES (an OAI set is wider than the categories asked for) */
  skipped: number;
  /** fraction of the window done, when the source says how big it is */
  fraction?: number;
  /** the window ends with this page */
  last: boolean;
}

export interface WindowResult extends HarvestCounts {
  key: string;
  status: 'done' | 'failed' | 'lost' | 'stopped';
  pages: number;
  error?: string;
}

/** Claims expire after this long without a committed page (a crashed worker on another host). */
export const LEASE_MS = 15 * 60_000;

interface FetchedPage {
  records: PaperRecord[];
  rejected: Rejected[];
  next: WindowCursor | null;
  label: string;
  fraction?: number;
  skipped: number;
}

async function fetchPage(deps: HarvestDeps, w: HarvestWindow, cursor: WindowCursor | null, tally: Tally): Promise<FetchedPage> {
  const { settings, http } = deps;
  if (w.source === 'api') {
    const start = cursor?.start ?? 0;
    const page = await fetchApiPage(http, apiPageUrl(settings.apiUrl, settings.categories, w.day, start, settings.pageSize), tally);
    const entries = page.records.length + page.rejected.length;
    const nextStart = start + entries;
    const total = page.totalResults ?? 0;
    // An empty page ends the window even if totalResults says more: the API's count is an estimate.
    const next = entries > 0 && nextStart < total ? { start: nextStart } : null;
    return {
      records: page.records,
      rejected: page.rejected,
      next,
      label: `start=${start}`,
      fraction: total ? Math.min(1, nextStart / total) : undefined,
      skipped: 0,
    };
  }
  const url = cursor?.token ? oaiResumeUrl(settings.oaiUrl, cursor.token) : oaiListUrl(settings.oaiUrl, w.setSpec, w.day);
  const page = await fetchOaiPage(http, url, tally);
  // A set (e.g. "cs") is wider than the categories asked for.
  const wanted = new Set(settings.categories);
  const records = page.records.filter((r) => r.categories.some((c) => wanted.has(c)));
  return {
    records,
    rejected: page.rejected,
    next: page.resumptionToken ? { token: page.resumptionToken } : null,
    label: cursor?.token ? `token=${cursor.token}` : 'first page',
    skipped: page.records.length - records.length,
  };
}

export async function runWindow(deps: HarvestDeps, w: HarvestWindow, owner: string, signal?: AbortSignal): Promise<WindowResult> {
  const result: WindowResult = { key: w.key, status: 'done', pages: 0, requests: 0, errors: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 };
  let cursor = w.cursor;
  let restarted = false;
  for (;;) {
    if (signal?.aborted) {
      await deps.windows.release(w.key, owner);
      result.status = 'stopped';
      return result;
    }
    const tally: Tally = { requests: 0, errors: 0 };
    let page: FetchedPage;
    try {
      page = await fetchPage(deps, w, cursor, tally);
    } catch (e) {
      result.requests += tally.requests;
      result.errors += tally.errors;
      if (e instanceof BadResumptionTokenError && !restarted) {
        // Tokens expire (a resumed run may come hours later): start the window over.
        deps.log(`harvest: ${w.key}: ${(e as Error).message}; starting the window again`);
        restarted = true;
        cursor = null;
        continue;
      }
      const message = (e as Error).message;
      result.status = 'failed';
      result.error = message;
      deps.log(`harvest: ${w.key} failed: ${message}`);
      const retryAt = new Date(Date.now() + Math.min(6 * 3600_000, 5 * 60_000 * 2 ** w.attempts)).toISOString();
      await deps.windows.savePage(
        w.key,
        owner,
        { cursor, requests: tally.requests, errors: tally.errors, inserted: 0, updated: 0, unchanged: 0, rejected: 0 },
        LEASE_MS,
      );
      await deps.windows.fail(w.key, owner, message, retryAt);
      return result;
    }
    for (const r of page.rejected) deps.log(`harvest: ${w.key} ${page.label} ${r.where}: ${r.reason}`);
    let summary: Awaited<ReturnType<typeof deps.papers.upsertMany>>;
    try {
      summary = await deps.papers.upsertMany(page.records);
    } catch (e) {
      // A store failure (database gone, a conflict) fails this window for a later retry at this
      // cursor, rather than leaving it claimed until its lease runs out.
      const message = `storing ${page.label}: ${(e as Error).message}`;
      deps.log(`harvest: ${w.key} failed: ${message}`);
      result.status = 'failed';
      result.error = message;
      result.requests += tally.requests;
      result.errors += tally.errors;
      await deps.windows.fail(w.key, owner, message, new Date(Date.now() + 60_000).toISOString()).catch(() => {});
      return result;
    }
    const fresh = page.records.filter((r) => summary.outcomes.get(r.id) === 'inserted');
    const kept = await deps.windows.savePage(
      w.key,
      owner,
      {
        cursor: page.next,
        requests: tally.requests,
        errors: tally.errors,
        inserted: summary.inserted,
        updated: summary.updated,
        unchanged: summary.unchanged,
        rejected: page.rejected.length,
      },
      LEASE_MS,
    );
    result.pages++;
    result.requests += tally.requests;
    result.errors += tally.errors;
    result.inserted += summary.inserted;
    result.updated += summary.updated;
    result.unchanged += summary.unchanged;
    result.rejected += page.rejected.length;
    // A window harvested before that brings nothing new on a page is up to date: stop early.
    const nothingNew = w.harvestedBefore && summary.inserted === 0 && summary.updated === 0;
    const last = !page.next || nothingNew;
    deps.onPage?.(w, {
      records: page.records.length,
      inserted: summary.inserted,
      updated: summary.updated,
      unchanged: summary.unchanged,
      rejected: page.rejected.length,
      skipped: page.skipped,
      fraction: page.fraction,
      last,
    });
    if (fresh.length && deps.onNewPapers) {
      try {
        await deps.onNewPapers(fresh);
      } catch (e) {
        deps.log(`harvest: ${w.key}: new-papers hook failed: ${(e as Error).message}`);
      }
    }
    if (!kept) {
      deps.log(`harvest: ${w.key}: another worker took this window over; leaving it`);
      result.status = 'lost';
      return result;
    }
    if (last) {
      await deps.windows.finish(w.key, owner);
      return result;
    }
    cursor = page.next;
  }
}

export interface HarvestTotals extends HarvestCounts {
  windows: number;
  done: number;
  failed: number;
  pages: number;
  failures: string[];
}

export function emptyTotals(): HarvestTotals {
  return { windows: 0, done: 0, failed: 0, pages: 0, requests: 0, errors: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0, failures: [] };
}

export function addResult(t: HarvestTotals, r: WindowResult): void {
  t.windows++;
  if (r.status === 'done') t.done++;
  if (r.status === 'failed') {
    t.failed++;
    t.failures.push(`${r.key}: ${r.error}`);
  }
  t.pages += r.pages;
  t.requests += r.requests;
  t.errors += r.errors;
  t.inserted += r.inserted;
  t.updated += r.updated;
  t.unchanged += r.unchanged;
  t.rejected += r.rejected;
}

/** Claim and run windows (from onlyKeys, if given) with `concurrency` loops until none is due. */
export async function drainWindows(deps: HarvestDeps, owner: string, concurrency: number, onlyKeys?: string[], signal?: AbortSignal): Promise<HarvestTotals> {
  const totals = emptyTotals();
  const loop = async (i: number) => {
    const me = `${owner}#${i}`;
    const giveUpAt = Date.now() + 15_000;
    while (!signal?.aborted) {
      const w = await deps.windows.claim(me, LEASE_MS, onlyKeys);
      if (!w) {
        // On PostgreSQL a killed run's backend may hold its row lock a moment longer (SKIP LOCKED
        // then passes over the row): wait for it rather than end with the window unfinished.
        if (onlyKeys && Date.now() < giveUpAt && (await deps.windows.anyClaimable(onlyKeys))) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        return;
      }
      addResult(totals, await runWindow(deps, w, me, signal));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => loop(i)));
  return totals;
}

export function formatTotals(t: HarvestTotals): string {
  const nothingNew = t.inserted === 0 && t.updated === 0;
  const head = nothingNew ? 'harvest: nothing new' : `harvest: ${t.inserted} new, ${t.updated} updated`;
  return `${head} (${t.windows} window(s), ${t.done} done, ${t.failed} failed; ${t.pages} page(s), ${t.requests} request(s), ${t.errors} error(s); ${t.unchanged} unchanged, ${t.rejected} rejected)`;
}
