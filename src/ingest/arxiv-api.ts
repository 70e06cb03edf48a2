import { parseArxivId } from '../papers/arxiv-id.js';
import type { PaperRecord } from '../papers/paper.js';
import { parseAtomFeed, type AtomPage } from '../papers/formats/atom.js';
import { type CallBudget, HttpError, RetryableError, type PoliteHttp, type Tally } from './polite-http.js';

// The arXiv API (Atom): new submissions by category and submission date, paged with
// start/max_results, and one paper by id.

/** `YYYY-MM-DD` -> the API's `submittedDate:[YYYYMMDD0000 TO YYYYMMDD2359]` (GMT). */
export function apiSearchQuery(categories: string[], day: string): string {
  const d = day.replaceAll('-', '');
  const cats = categories.map((c) => `cat:${c}`).join(' OR ');
  return `(${cats}) AND submittedDate:[${d}0000 TO ${d}2359]`;
}

export function apiPageUrl(baseUrl: string, categories: string[], day: string, start: number, pageSize: number): string {
  const u = new URL(baseUrl);
  u.searchParams.set('search_query', apiSearchQuery(categories, day));
  // Ascending submission order keeps `start` pointing at the same papers while a day fills up.
  u.searchParams.set('sortBy', 'submittedDate');
  u.searchParams.set('sortOrder', 'ascending');
  u.searchParams.set('start', String(start));
  u.searchParams.set('max_results', String(pageSize));
  return u.toString();
}

function parseOrRetry(body: string): AtomPage {
  try {
    return parseAtomFeed(body);
  } catch (e) {
    // A cut-off body is a transport problem: fetch it again.
    throw new RetryableError(`arxiv-api: ${(e as Error).message}`);
  }
}

export async function fetchApiPage(http: PoliteHttp, url: string, tally?: Tally, budget?: CallBudget): Promise<AtomPage> {
  const page = await http.get(url, (res) => parseOrRetry(res.body), tally, budget);
  if (page.error) throw new HttpError(`arxiv-api: the API refused the query: ${page.error}`, 400);
  return page;
}

/** One paper by any id form (used by /submit when the paper is not yet stored); null if arXiv has none. */
export async function fetchPaperById(http: PoliteHttp, baseUrl: string, idInput: string, budget?: CallBudget): Promise<PaperRecord | null> {
  const ref = parseArxivId(idInput);
  if (!ref) throw new Error(`arxiv-api: ${JSON.stringify(idInput)} is not an arXiv id`);
  const u = new URL(baseUrl);
  u.searchParams.set('id_list', ref.version ? `${ref.id}v${ref.version}` : ref.id);
  u.searchParams.set('max_results', '1');
  const page = await fetchApiPage(http, u.toString(), undefined, budget);
  return page.records.find((r) => r.id === ref.id) ?? null;
}
