// Builds demo/papers.jsonl.gz (Kaggle arxiv-metadata-oai-snapshot layout) from the real
// announcement days in ../shared/data/arxiv-metadata/daily-arxiv-cs/. Run once by a developer:
//   npx tsc && node dist/scripts/build-demo.js
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { REPO_ROOT, SHARED_DATA } from '../src/testing/paths.js';

const dir = path.join(SHARED_DATA, 'arxiv-metadata/daily-arxiv-cs');
const out: string[] = [];
const seen = new Set<string>();
for (const file of fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.jsonl'))
  .sort()) {
  const day = file.replace('.jsonl', '');
  // arXiv announces at 20:00 America/New_York on the evening before the listing's date.
  const created = new Date(`${day}T00:00:00Z`);
  created.setUTCHours(created.getUTCHours() - 4);
  for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    const categories = (r.categories as string[]).filter((c) => /^[a-z-]+(\.[A-Za-z-]+)?$/.test(c));
    out.push(
      JSON.stringify({
        id: r.id,
        submitter: null,
        authors: (r.authors as string[]).join(', '),
        title: r.title,
        comments: r.comment ?? null,
        'journal-ref': null,
        doi: null,
        'report-no': null,
        categories: categories.join(' '),
        license: null,
        abstract: r.summary,
        versions: [{ version: 'v1', created: created.toUTCString() }],
        update_date: day,
        authors_parsed: (r.authors as string[]).map((a) => {
          const parts = a.trim().split(/\s+/);
          return [parts.pop() ?? '', parts.join(' '), ''];
        }),
      }),
    );
  }
}
fs.mkdirSync(path.join(REPO_ROOT, 'demo'), { recursive: true });
const target = path.join(REPO_ROOT, 'demo/papers.jsonl.gz');
fs.writeFileSync(target, zlib.gzipSync(out.join('\n') + '\n', { level: 9 }));
console.log(`build-demo: ${out.length} papers -> ${target} (${fs.statSync(target).size} bytes)`);
