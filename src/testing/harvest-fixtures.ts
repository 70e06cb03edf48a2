import { parseAtomFeed } from '../papers/formats/atom.js';
import { parseOaiPmh } from '../papers/formats/oai-pmh.js';
import { oaiSetsFor } from '../ingest/oai-client.js';
import { oaiFixtureRecords, oaiPage, recordSets, type FakeArxiv } from './fake-arxiv.js';

// What a harvest of the loopback arXiv (fake-arxiv.ts) should store, and the settings to point at it.

const apiIds = (pages: string[]) => pages.flatMap((p) => parseAtomFeed(p).records.map((r) => r.id));
const oaiRecs = () => parseOaiPmh(oaiPage(oaiFixtureRecords(), null, 0, 0)).records;
export const API_CATS = ['cs.AI', 'cs.LG', 'cs.CL', 'cs.CV', 'cs.NE', 'cs.SE', 'cs.CR', 'cs.DC'];

export function fixtureCategories(): string[] {
  return [...new Set([...API_CATS, ...oaiRecs().flatMap((r) => r.categories)])];
}

/** Ids the harvest should end with: all API entries that parse, all OAI records in a requested set. */
export function expectedIds(pages: string[], categories: string[]): string[] {
  const sets = new Set(oaiSetsFor(categories));
  const reachable = oaiFixtureRecords().filter((r) => recordSets(r).some((s) => sets.has(s)));
  const oai = parseOaiPmh(oaiPage(reachable, null, 0, 0)).records.map((r) => r.id);
  return [...new Set([...apiIds(pages), ...oai])].sort();
}

export function harvestEnv(fake: FakeArxiv, categories: string[]): Record<string, string> {
  return {
    LOG_LEVEL: 'silent',
    ARXIV_API_URL: fake.apiUrl,
    ARXIV_OAI_URL: fake.oaiUrl,
    ARXIV_CATEGORIES: categories.join(','),
    ARXIV_CONTACT: 'ops@example.org',
    ARXIV_REQUEST_INTERVAL_MS: '0',
    ARXIV_BACKOFF_MS: '5',
    ARXIV_MAX_RETRIES: '3',
    HARVEST_PAGE_SIZE: '100',
  };
}
