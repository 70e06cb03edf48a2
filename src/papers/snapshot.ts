import { parseArxivId } from './arxiv-id.js';
import { cleanText, optionalText, texAccentsToUnicode, type PaperRecord } from './paper.js';

// The Kaggle arxiv-metadata-oai-snapshot JSON-lines layout (one paper per line).

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
// versions[].created as the snapshot writes it: "Mon, 2 Apr 2007 19:18:42 GMT".
const RFC1123 = /^[A-Z][a-z]{2}, (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

function isoFromDateText(s: unknown): string | null {
  if (typeof s !== 'string' || s.trim() === '') return null;
  // Fast path for the snapshot's own format (Date.parse's general parser was a tenth of the
  // reader's time); anything else, or a day the month does not have, goes the general way.
  const m = RFC1123.exec(s);
  const month = m ? MONTHS[m[2]] : undefined;
  if (m && month !== undefined) {
    const [day, year, h, min, sec] = [Number(m[1]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const days = month === 1 ? (leap ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month];
    if (year >= 1000 && day >= 1 && day <= days && h < 24 && min < 60 && sec < 60) {
      return `${m[3]}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}T${m[4]}:${m[5]}:${m[6]}.000Z`;
    }
  }
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s.trim()) ? `${s.trim()}T00:00:00Z` : s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function splitAuthors(authors: string): string[] {
  return cleanText(authors)
    .split(/,\s*|\s+and\s+/)
    .map((a) => a.trim())
    .filter(Boolean);
}

/** One record of the Kaggle arxiv-metadata-oai-snapshot layout; throws with the reason if unusable. */
export function snapshotToRecord(obj: any): PaperRecord {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('not a JSON object');
  const ref = parseArxivId(typeof obj.id === 'string' ? obj.id : '');
  if (!ref) throw new Error(`bad arXiv id ${JSON.stringify(obj.id ?? null)}`);
  const title = cleanText(typeof obj.title === 'string' ? obj.title : '');
  if (!title) throw new Error(`${ref.id}: missing title`);
  const categories = [
    ...new Set(
      cleanText(typeof obj.categories === 'string' ? obj.categories : '')
        .split(' ')
        .filter(Boolean),
    ),
  ];
  if (!categories.length) throw new Error(`${ref.id}: missing categories`);
  const versions: { version: string; created: string }[] = Array.isArray(obj.versions) ? obj.versions : [];
  const versionNumbers = versions.map((v) => Number(/^v(\d+)$/.exec(String(v?.version))?.[1] ?? NaN)).filter(Number.isFinite);
  const version = versionNumbers.length ? Math.max(...versionNumbers) : (ref.version ?? 1);
  const published = isoFromDateText(versions[0]?.created) ?? isoFromDateText(obj.update_date);
  if (!published) throw new Error(`${ref.id}: no date (versions[].created or update_date)`);
  const updated = isoFromDateText(versions[versions.length - 1]?.created) ?? isoFromDateText(obj.update_date) ?? published;
  let authors: string[];
  if (Array.isArray(obj.authors_parsed) && obj.authors_parsed.length) {
    authors = obj.authors_parsed
      .map((p: unknown) => (Array.isArray(p) ? texAccentsToUnicode(cleanText([p[1], p[0], p[2]].filter((x) => typeof x === 'string' && x).join(' '))) : ''))
      .filter(Boolean);
  } else {
    authors = typeof obj.authors === 'string' ? splitAuthors(texAccentsToUnicode(obj.authors)) : [];
  }
  return {
    id: ref.id,
    version,
    title,
    abstract: cleanText(typeof obj.abstract === 'string' ? obj.abstract : ''),
    authors,
    categories,
    publishedAt: published,
    updatedAt: updated < published ? published : updated,
    comments: optionalText(obj.comments),
    journalRef: optionalText(obj['journal-ref']),
    doi: optionalText(obj.doi),
    license: optionalText(obj.license),
  };
}
