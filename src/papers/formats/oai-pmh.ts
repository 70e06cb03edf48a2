import { parseArxivId } from '../arxiv-id.js';
import { cleanText, optionalText, texAccentsToUnicode, type PaperRecord } from '../paper.js';
import { parseXml, xmlText as text, type Rejected } from './atom.js';

// OAI-PMH ListRecords / GetRecord responses with metadataPrefix=arXiv.
// That format carries no version number; version 0 means "unknown" and the store
// then orders records by their updated date instead.

export interface OaiPage {
  records: PaperRecord[];
  rejected: Rejected[];
  /** deleted records (header status="deleted") */
  deleted: string[];
  resumptionToken: string | null;
  completeListSize: number | null;
  /** OAI error code such as noRecordsMatch, if the response is an error */
  error: { code: string; message: string } | null;
}

function dateIso(s: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return null;
  const t = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function authorName(a: any): string {
  const parts = [text(a.forenames), text(a.keyname), text(a.suffix)].map(cleanText).filter(Boolean);
  return texAccentsToUnicode(parts.join(' '));
}

export function oaiArxivToRecord(meta: any): PaperRecord {
  const idText = text(meta.id);
  const ref = parseArxivId(idText);
  if (!ref) throw new Error(`bad arXiv id ${JSON.stringify(idText)}`);
  const title = cleanText(text(meta.title));
  if (!title) throw new Error(`${ref.id}: missing title`);
  const categories = [...new Set(cleanText(text(meta.categories)).split(' ').filter(Boolean))];
  if (!categories.length) throw new Error(`${ref.id}: no category`);
  const created = dateIso(text(meta.created));
  if (!created) throw new Error(`${ref.id}: missing or bad created date`);
  const updated = dateIso(text(meta.updated)) ?? created;
  const authorList = meta.authors?.author;
  const authors = (Array.isArray(authorList) ? authorList : authorList ? [authorList] : []).map(authorName).filter(Boolean);
  return {
    id: ref.id,
    version: 0,
    title,
    abstract: cleanText(text(meta.abstract)),
    authors,
    categories,
    publishedAt: created,
    updatedAt: updated,
    comments: optionalText(text(meta.comments)),
    journalRef: optionalText(text(meta['journal-ref'])),
    doi: optionalText(text(meta.doi)),
    license: optionalText(text(meta.license)),
  };
}

export function parseOaiPmh(xml: string): OaiPage {
  const doc = parseXml(xml, 'oai-pmh');
  const root = doc['OAI-PMH'];
  if (!root) throw new Error('oai-pmh: not an OAI-PMH response (no <OAI-PMH> element)');
  const page: OaiPage = { records: [], rejected: [], deleted: [], resumptionToken: null, completeListSize: null, error: null };
  if (root.error) {
    const err = Array.isArray(root.error) ? root.error[0] : root.error;
    page.error = { code: String(err['@code'] ?? 'unknown'), message: cleanText(text(err)) };
    return page;
  }
  const container = root.ListRecords ?? root.GetRecord;
  if (!container) throw new Error('oai-pmh: response has neither ListRecords nor GetRecord');
  (container.record ?? []).forEach((rec: any, i: number) => {
    const identifier = text(rec.header?.identifier);
    if (rec.header?.['@status'] === 'deleted') {
      page.deleted.push(identifier);
      return;
    }
    try {
      const meta = rec.metadata?.arXiv;
      if (!meta) throw new Error(`${identifier || 'record'}: no arXiv metadata (metadataPrefix must be arXiv)`);
      page.records.push(oaiArxivToRecord(meta));
    } catch (e) {
      page.rejected.push({ where: `record ${i + 1}`, reason: (e as Error).message });
    }
  });
  const token = container.resumptionToken;
  if (token !== undefined) {
    const t = text(token).trim();
    page.resumptionToken = t === '' ? null : t;
    const size = typeof token === 'object' ? Number(token['@completeListSize']) : NaN;
    page.completeListSize = Number.isFinite(size) ? size : null;
  }
  return page;
}
