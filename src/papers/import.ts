import fs from 'node:fs';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { parseAtomFeed, type Rejected } from '../ingest/atom.js';
import { parseOaiPmh } from '../ingest/oai-pmh.js';
import { createProgress } from '../util/progress.js';
import { parseArxivId } from './arxiv-id.js';
import { cleanText, optionalText, texAccentsToUnicode, type PaperRecord } from './paper.js';
import type { PaperStore } from './store.js';

// Bulk import of the arXiv metadata snapshot (Kaggle JSON lines, plain or .gz), streamed in
// constant memory and written in batched transactions; plus arXiv API Atom and OAI-PMH files.
// Each batch commits on its own and re-importing a committed record changes nothing, so a killed
// import run again ends with the same papers as an uninterrupted one.

export interface ImportSummary {
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  rejections: Rejected[];
}

export interface ImportOptions {
  batchSize?: number;
  /** show the progress line (on stderr) */
  progress?: boolean;
  /** called for each rejected line or entry as it happens */
  onReject?: (file: string, r: Rejected) => void;
}

function isoFromDateText(s: unknown): string | null {
  if (typeof s !== 'string' || s.trim() === '') return null;
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
  const categories = [...new Set(cleanText(typeof obj.categories === 'string' ? obj.categories : '').split(' ').filter(Boolean))];
  if (!categories.length) throw new Error(`${ref.id}: missing categories`);
  const versions: { version: string; created: string }[] = Array.isArray(obj.versions) ? obj.versions : [];
  const versionNumbers = versions.map((v) => Number(/^v(\d+)$/.exec(String(v?.version))?.[1] ?? NaN)).filter(Number.isFinite);
  const version = versionNumbers.length ? Math.max(...versionNumbers) : ref.version ?? 1;
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

function emptySummary(): ImportSummary {
  return { inserted: 0, updated: 0, unchanged: 0, rejected: 0, rejections: [] };
}

function addCounts(into: ImportSummary, s: { inserted: number; updated: number; unchanged: number }) {
  into.inserted += s.inserted;
  into.updated += s.updated;
  into.unchanged += s.unchanged;
}

/** What kind of file this is, from its first bytes (gzip magic, '<' for XML, '{' for JSON lines). */
export function sniffFormat(file: string): 'snapshot' | 'atom' | 'oai-pmh' {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    if (n >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return 'snapshot';
    const head = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    if (head.startsWith('<')) {
      if (/<OAI-PMH[\s>]/.test(head)) return 'oai-pmh';
      if (/<feed[\s>]/.test(head)) return 'atom';
      throw new Error(`import: ${file} is XML but neither an Atom feed nor an OAI-PMH response`);
    }
    return 'snapshot';
  } finally {
    fs.closeSync(fd);
  }
}

async function importSnapshot(store: PaperStore, file: string, options: ImportOptions, summary: ImportSummary): Promise<void> {
  const batchSize = options.batchSize ?? 2000;
  const total = fs.statSync(file).size;
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const gz = file.endsWith('.gz');
  const input = gz ? raw.pipe(zlib.createGunzip()) : raw;
  raw.on('error', (e) => input.destroy(e));
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  const progress = createProgress(`import ${file}`, 'papers', process.stderr, options.progress ?? false);
  let batch: PaperRecord[] = [];
  let lineNo = 0;
  let seen = 0;
  const reject = (where: string, reason: string) => {
    const r = { where: `line ${where}`, reason };
    summary.rejected++;
    if (summary.rejections.length < 1000) summary.rejections.push(r);
    options.onReject?.(file, r);
  };
  const flush = async () => {
    if (!batch.length) return;
    addCounts(summary, await store.upsertMany(batch));
    batch = [];
    progress.update(seen, raw.bytesRead / total);
  };
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      reject(String(lineNo), `invalid JSON (${(e as Error).message})`);
      continue;
    }
    try {
      batch.push(snapshotToRecord(obj));
      seen++;
    } catch (e) {
      reject(String(lineNo), (e as Error).message);
      continue;
    }
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  progress.finish();
}

async function importXml(store: PaperStore, file: string, format: 'atom' | 'oai-pmh', options: ImportOptions, summary: ImportSummary) {
  const xml = fs.readFileSync(file, 'utf8');
  const page = format === 'atom' ? parseAtomFeed(xml) : parseOaiPmh(xml);
  for (const r of page.rejected) {
    summary.rejected++;
    summary.rejections.push(r);
    options.onReject?.(file, r);
  }
  addCounts(summary, await store.upsertMany(page.records));
}

/** Import one or more files (snapshot JSON lines, .gz, Atom or OAI-PMH XML) into the store. */
export async function importFiles(store: PaperStore, files: string[], options: ImportOptions = {}): Promise<ImportSummary> {
  const summary = emptySummary();
  for (const file of files) {
    if (!fs.existsSync(file)) throw new Error(`import: no such file ${file}`);
    const format = sniffFormat(file);
    if (format === 'snapshot') await importSnapshot(store, file, options, summary);
    else await importXml(store, file, format, options, summary);
  }
  return summary;
}

export function formatSummary(s: ImportSummary): string {
  return `import: ${s.inserted} inserted, ${s.updated} updated, ${s.unchanged} unchanged, ${s.rejected} rejected`;
}
