import { parseOaiPmh, type OaiPage } from '../papers/formats/oai-pmh.js';
import { RetryableError, type PoliteHttp, type Tally } from './polite-http.js';

// OAI-PMH ListRecords (metadataPrefix=arXiv) by set and datestamp day, following resumptionTokens.

const TOP_LEVEL_SETS = new Set(['cs', 'math', 'stat', 'eess', 'econ', 'q-bio', 'q-fin']);

/** arXiv's OAI set holding a category: cs.LG -> cs, hep-th -> physics:hep-th, astro-ph.GA -> physics:astro-ph. */
export function oaiSetFor(category: string): string {
  const archive = category.split('.')[0];
  return TOP_LEVEL_SETS.has(archive) ? archive : `physics:${archive}`;
}

export function oaiSetsFor(categories: string[]): string[] {
  return [...new Set(categories.map(oaiSetFor))].sort();
}

export function oaiListUrl(baseUrl: string, set: string, day: string): string {
  const u = new URL(baseUrl);
  u.searchParams.set('verb', 'ListRecords');
  u.searchParams.set('metadataPrefix', 'arXiv');
  u.searchParams.set('from', day);
  u.searchParams.set('until', day);
  u.searchParams.set('set', set);
  return u.toString();
}

export function oaiResumeUrl(baseUrl: string, token: string): string {
  const u = new URL(baseUrl);
  u.searchParams.set('verb', 'ListRecords');
  u.searchParams.set('resumptionToken', token);
  return u.toString();
}

export class BadResumptionTokenError extends Error {}

export async function fetchOaiPage(http: PoliteHttp, url: string, tally?: Tally): Promise<OaiPage> {
  const page = await http.get(
    url,
    (res) => {
      try {
        return parseOaiPmh(res.body);
      } catch (e) {
        throw new RetryableError(`oai-client: ${(e as Error).message}`);
      }
    },
    tally,
  );
  if (page.error) {
    // noRecordsMatch is OAI's way of saying "an empty result"; it is not a failure.
    if (page.error.code === 'noRecordsMatch') return { ...page, error: null };
    if (page.error.code === 'badResumptionToken') throw new BadResumptionTokenError(`oai-client: resumption token expired or unknown: ${page.error.message}`);
    throw new Error(`oai-client: ${page.error.code}: ${page.error.message}`);
  }
  return page;
}
