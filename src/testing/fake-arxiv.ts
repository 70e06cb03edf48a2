import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { FIXTURES, readFixture } from './fixtures.js';

// A loopback arXiv for tests: the API (Atom) and OAI-PMH endpoints serving the real responses in
// fixtures/arxiv-api (from ../shared/data/arxiv-api), split into pages, with injectable faults
// (503 + Retry-After, truncated bodies, slow answers, no answer). Only the configured day has papers; every other day is an empty result.

export const ARXIV_API_DIR = path.join(FIXTURES, 'arxiv-api');

export function apiFixturePages(): string[] {
  return [0, 100, 200, 300, 400].map((s) =>
    readFixture(`arxiv-api/atom/api-new-format-2025-12-16_cs-multi_start${s}.xml`)
      // The real totalResults (566,020) is the whole query; the fixture holds the first 500.
      .replace(/<opensearch:totalResults>\d+</, '<opensearch:totalResults>500<'),
  );
}

export function emptyAtomFeed(): string {
  return `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/empty</id>
  <title>arXiv Query: empty</title>
  <updated>2025-12-16T13:50:15Z</updated>
  <opensearch:itemsPerPage>100</opensearch:itemsPerPage>
  <opensearch:totalResults>0</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
</feed>`;
}

/** Every <record> of the OAI-PMH fixtures (ListRecords and GetRecord files), deduplicated by identifier. */
export function oaiFixtureRecords(): string[] {
  const dir = path.join(ARXIV_API_DIR, 'oai-pmh');
  const seen = new Map<string, string>();
  for (const f of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort()) {
    const xml = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of xml.matchAll(/<record>[\s\S]*?<\/record>/g)) {
      const id = /<identifier>([^<]+)<\/identifier>/.exec(m[0])?.[1];
      if (id && !seen.has(id)) seen.set(id, m[0]);
    }
  }
  return [...seen.values()];
}

export function recordSets(record: string): string[] {
  return [...record.matchAll(/<setSpec>([^<]+)<\/setSpec>/g)].map((m) => m[1]);
}

export function oaiPage(records: string[], token: string | null, completeListSize: number, cursor: number): string {
  // The arXiv namespace is declared on the root so records cut from GetRecord files stay valid.
  const tokenXml = token === null ? '' : `<resumptionToken cursor="${cursor}" completeListSize="${completeListSize}">${token}</resumptionToken>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<responseDate>2026-01-01T00:00:00Z</responseDate>
<request verb="ListRecords" metadataPrefix="arXiv">http://export.arxiv.org/oai2</request>
<ListRecords>
${records.join('\n')}
${tokenXml}
</ListRecords>
</OAI-PMH>`;
}

export function oaiError(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-01-01T00:00:00Z</responseDate>
<request verb="ListRecords">http://export.arxiv.org/oai2</request><error code="${code}">${message}</error></OAI-PMH>`;
}

export interface Fault {
  status?: number;
  retryAfter?: string;
  /** serve only the first half of the body */
  truncate?: boolean;
  delayMs?: number;
  /** never answer (the connection stays open until close()) */
  hang?: boolean;
}

export interface FakeArxivOptions {
  /** the only day with papers (YYYY-MM-DD), or '*' for the same papers on every day */
  day: string;
  /** API pages of 100 entries each, by start/100 */
  apiPages?: string[];
  /** OAI records; pages of oaiPageSize per set */
  oaiRecords?: string[];
  oaiPageSize?: number;
  /** every answer waits this long (lets a test kill a harvest mid-run) */
  delayMs?: number;
}

export interface RequestLog {
  at: number;
  /** "api start=100 day=2025-12-15", "oai set=cs day=...", "oai token=..." or "api id_list=..." */
  what: string;
  userAgent: string;
  status: number;
}

export interface FakeArxiv {
  apiUrl: string;
  oaiUrl: string;
  requests: RequestLog[];
  /** queue faults for the next requests matching `what` (exact) */
  fault(what: string, ...faults: Fault[]): void;
  options: FakeArxivOptions;
  close(): Promise<void>;
}

function dayOfApiQuery(q: string): string | null {
  const m = /submittedDate:\[(\d{4})(\d{2})(\d{2})0000/.exec(q);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

export async function startFakeArxiv(options: FakeArxivOptions): Promise<FakeArxiv> {
  const requests: RequestLog[] = [];
  const faults = new Map<string, Fault[]>();
  const opts = { oaiPageSize: 4, ...options };

  function answer(url: URL): { what: string; status: number; body: string; type: string } {
    const p = url.searchParams;
    if (url.pathname === '/api/query') {
      if (p.get('id_list')) {
        const id = p.get('id_list')!;
        const legacy = fs.readFileSync(path.join(ARXIV_API_DIR, 'atom/api-legacy-format-2020-09-04_id_list-1601.00001.xml'), 'utf8');
        return { what: `api id_list=${id}`, status: 200, body: id.startsWith('1601.00001') ? legacy : emptyAtomFeed(), type: 'application/atom+xml' };
      }
      const start = Number(p.get('start') ?? 0);
      const day = dayOfApiQuery(p.get('search_query') ?? '');
      const what = `api start=${start} day=${day}`;
      const pages = day === opts.day || opts.day === '*' ? (opts.apiPages ?? []) : [];
      const page = start % 100 === 0 ? pages[start / 100] : undefined;
      return { what, status: 200, body: page ?? emptyAtomFeed(), type: 'application/atom+xml' };
    }
    if (url.pathname === '/oai') {
      const token = p.get('resumptionToken');
      let set: string;
      let offset: number;
      let day: string | null;
      let what: string;
      if (token) {
        const m = /^(.+)\|(\d+)\|(.+)$/.exec(token);
        if (!m) return { what: `oai token=${token}`, status: 200, body: oaiError('badResumptionToken', 'unknown token'), type: 'text/xml' };
        [set, offset, day] = [m[1], Number(m[2]), m[3]];
        what = `oai token=${token}`;
      } else {
        set = p.get('set') ?? '';
        day = p.get('from');
        offset = 0;
        what = `oai set=${set} day=${day}`;
      }
      const all = day === opts.day || opts.day === '*' ? (opts.oaiRecords ?? []).filter((r) => recordSets(r).includes(set)) : [];
      if (!all.length) return { what, status: 200, body: oaiError('noRecordsMatch', 'no records match'), type: 'text/xml' };
      const slice = all.slice(offset, offset + opts.oaiPageSize);
      const next = offset + opts.oaiPageSize < all.length ? `${set}|${offset + opts.oaiPageSize}|${day}` : null;
      return { what, status: 200, body: oaiPage(slice, next, all.length, offset), type: 'text/xml' };
    }
    return { what: `unknown ${url.pathname}`, status: 404, body: 'not found', type: 'text/plain' };
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const a = answer(url);
    const queued = faults.get(a.what);
    const fault = queued?.shift();
    const log: RequestLog = { at: Date.now(), what: a.what, userAgent: String(req.headers['user-agent'] ?? ''), status: fault?.status ?? a.status };
    requests.push(log);
    const send = () => {
      if (fault?.status) {
        const headers: Record<string, string> = { 'content-type': 'text/plain' };
        if (fault.retryAfter) headers['retry-after'] = fault.retryAfter;
        res.writeHead(fault.status, headers).end('busy');
        return;
      }
      const body = fault?.truncate ? a.body.slice(0, Math.floor(a.body.length / 2)) : a.body;
      res.writeHead(a.status, { 'content-type': `${a.type}; charset=utf-8` }).end(body);
    };
    if (fault?.hang) return;
    const delay = (fault?.delayMs ?? 0) + (opts.delayMs ?? 0);
    if (delay) setTimeout(send, delay);
    else send();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/query`,
    oaiUrl: `http://127.0.0.1:${port}/oai`,
    requests,
    options: opts,
    fault(what, ...f) {
      faults.set(what, [...(faults.get(what) ?? []), ...f]);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
