import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseArxivId } from '../arxiv-id.js';
import { cleanText, optionalText, type PaperRecord } from '../paper.js';

// The arXiv API's Atom responses, in both the legacy (to late 2025) and the new format:
// the parser strips namespace prefixes, so <arxiv:comment> and <comment> read the same.

export interface Rejected {
  /** where in the input: "line N" or "entry N" */
  where: string;
  reason: string;
}

export interface AtomPage {
  totalResults: number | null;
  startIndex: number | null;
  itemsPerPage: number | null;
  records: PaperRecord[];
  rejected: Rejected[];
  /** the API reports a bad query as a feed holding one entry whose id is .../api/errors#... */
  error: string | null;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ['entry', 'author', 'category', 'link', 'record'].includes(name),
});

export function parseXml(xml: string, what: string): any {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new Error(`${what}: malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  }
  return parser.parse(xml);
}

export function xmlText(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (typeof node === 'object' && '#text' in (node as Record<string, unknown>)) return String((node as Record<string, unknown>)['#text']);
  return '';
}

function toIso(value: string): string | null {
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function num(node: unknown): number | null {
  const n = Number(xmlText(node));
  return xmlText(node) !== '' && Number.isFinite(n) ? n : null;
}

/** One Atom entry to a record; throws with the reason when the entry is unusable. */
export function atomEntryToRecord(entry: any): PaperRecord {
  const idText = xmlText(entry.id);
  const ref = parseArxivId(idText);
  if (!ref) throw new Error(`bad arXiv id ${JSON.stringify(idText)}`);
  const title = cleanText(xmlText(entry.title));
  if (!title) throw new Error(`${ref.id}: missing title`);
  const abstract = cleanText(xmlText(entry.summary));
  const authors = (entry.author ?? []).map((a: any) => cleanText(xmlText(a.name))).filter(Boolean);
  const primary = entry.primary_category?.['@term'];
  const cats: string[] = (entry.category ?? []).map((c: any) => String(c['@term'] ?? '')).filter((c: string) => /^[a-z-]+(\.[A-Za-z-]+)?$/.test(c));
  const categories = [...new Set([primary, ...cats].filter(Boolean))] as string[];
  if (!categories.length) throw new Error(`${ref.id}: no category`);
  const published = toIso(xmlText(entry.published));
  if (!published) throw new Error(`${ref.id}: missing or bad published date`);
  const updated = toIso(xmlText(entry.updated)) ?? published;
  return {
    id: ref.id,
    version: ref.version ?? 1,
    title,
    abstract,
    authors,
    categories,
    publishedAt: published,
    updatedAt: updated,
    comments: optionalText(xmlText(entry.comment)),
    journalRef: optionalText(xmlText(entry.journal_ref)),
    doi: optionalText(xmlText(entry.doi)),
    license: null,
  };
}

export function parseAtomFeed(xml: string): AtomPage {
  const doc = parseXml(xml, 'atom');
  const feed = doc.feed;
  if (!feed) throw new Error('atom: not an Atom feed (no <feed> element)');
  const records: PaperRecord[] = [];
  const rejected: Rejected[] = [];
  const first = feed.entry?.[0];
  if (first && /\/api\/errors/.test(xmlText(first.id))) {
    const error = cleanText(xmlText(first.summary)) || 'unknown error';
    return { totalResults: 0, startIndex: num(feed.startIndex), itemsPerPage: num(feed.itemsPerPage), records, rejected, error };
  }
  (feed.entry ?? []).forEach((entry: any, i: number) => {
    try {
      records.push(atomEntryToRecord(entry));
    } catch (e) {
      rejected.push({ where: `entry ${i + 1}`, reason: (e as Error).message });
    }
  });
  return {
    totalResults: num(feed.totalResults),
    startIndex: num(feed.startIndex),
    itemsPerPage: num(feed.itemsPerPage),
    records,
    rejected,
    error: null,
  };
}
