import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { SHARED_DATA } from '../src/testing/paths.js';

// Real arXiv records from ../shared/data in the Kaggle snapshot layout, re-numbered so that a
// file of any size can be made from them (ids stay valid new-style arXiv ids).

export function syntheticId(i: number): string {
  const month = Math.floor(i / 90000);
  const yy = 21 + Math.floor(month / 12);
  const mm = (month % 12) + 1;
  return `${yy}${String(mm).padStart(2, '0')}.${String(10000 + (i % 90000)).padStart(5, '0')}`;
}

export interface SourceRecord {
  title: string;
  abstract: string;
  authors: string[];
  categories: string[];
  published: string;
  comments: string | null;
}

/** All real records: arxiver-cs-2025 (no authors), daily-arxiv-cs (with authors), the Kaggle head. */
export async function loadRealRecords(): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const dailyDir = path.join(SHARED_DATA, 'arxiv-metadata/daily-arxiv-cs');
  for (const f of fs.readdirSync(dailyDir).sort()) {
    for (const line of fs.readFileSync(path.join(dailyDir, f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line);
      out.push({
        title: r.title,
        abstract: r.summary,
        authors: r.authors,
        categories: r.categories.filter((c: string) => /^[a-z-]+(\.[A-Za-z-]+)?$/.test(c)),
        published: `${f.slice(0, 10)}T00:00:00Z`,
        comments: r.comment,
      });
    }
  }
  const rl = readline.createInterface({
    input: fs.createReadStream(path.join(SHARED_DATA, 'arxiv-metadata/arxiver-cs-2025.jsonl.gz')).pipe(zlib.createGunzip()),
  });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    out.push({ title: r.title, abstract: r.abstract, authors: [], categories: r.categories, published: r.published.replace(' ', 'T') + 'Z', comments: null });
  }
  return out.filter((r) => r.categories.length);
}

/** Write `count` snapshot lines built from the real records to `file`. */
export async function writeSyntheticSnapshot(file: string, count: number, records?: SourceRecord[]): Promise<void> {
  const real = records ?? (await loadRealRecords());
  const out = fs.createWriteStream(file);
  for (let i = 0; i < count; i++) {
    const r = real[i % real.length];
    const line = JSON.stringify({
      id: syntheticId(i),
      submitter: null,
      authors: r.authors.join(', '),
      title: r.title,
      comments: r.comments,
      'journal-ref': null,
      doi: null,
      'report-no': null,
      categories: r.categories.join(' '),
      license: null,
      abstract: r.abstract,
      versions: [{ version: 'v1', created: new Date(r.published).toUTCString() }],
      update_date: r.published.slice(0, 10),
      authors_parsed: r.authors.map((a) => {
        const parts = a.trim().split(/\s+/);
        return [parts.pop() ?? '', parts.join(' '), ''];
      }),
    });
    if (!out.write(line + '\n')) await new Promise<void>((res) => out.once('drain', () => res()));
  }
  await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
}
