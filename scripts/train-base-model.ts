// Rebuilds models/base.pbem, the corpus model every instance starts from (docs/search.md, "The base
// model"): trained on all the arXiv text in ../shared/data, the arxiver cs 2025 records, the daily
// listings of recsys/ and the demo papers, one copy of each paper (by arXiv id, by title where a
// record has none), read in that order, with the default training options and seeds, so that a
// rerun gives the same model. Run under nice: it takes tens of minutes on two busy cores.
//   npm run build && nice -n 10 node dist/scripts/train-base-model.js [--limit=N] [--members=2] [--out=FILE] [--half=FILE]
// --limit trains on the first N papers only (a quick check of the pipeline); --half also writes the
// half-precision model, to measure what the int8 one costs.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { BASE_MODEL_PREFIX } from '../src/search/corpus-model/model.js';
import type { TrainingDoc } from '../src/search/corpus-model/training.js';
import { trainCorpusModelOnThreads } from '../src/search/corpus-model/train-worker.js';
import { REPO_ROOT, SHARED_DATA } from '../src/testing/paths.js';
import { type Progress, createProgress } from '../src/util/progress.js';

const SOURCES = [
  path.join(SHARED_DATA, 'arxiv-metadata/arxiver-cs-2025.jsonl.gz'),
  path.join(SHARED_DATA, 'recsys/daily-listings-2025-2026.jsonl.gz'),
  path.join(REPO_ROOT, 'demo/papers.jsonl.gz'),
];

/** `2504.12308`, `cs/0101001` from an id or an abs link, without its version. */
export function arxivIdOf(r: { id?: unknown; link?: unknown }): string | null {
  const raw = typeof r.id === 'string' ? r.id : typeof r.link === 'string' ? r.link.replace(/^https?:\/\/arxiv\.org\/abs\//, '') : null;
  return raw ? raw.replace(/v\d+$/, '').trim() : null;
}

const titleKey = (t: string) => t.toLowerCase().replace(/\s+/g, ' ').trim();

function readPapers(): { docs: TrainingDoc[]; perSource: number[] } {
  const docs: TrainingDoc[] = [];
  const seen = new Set<string>();
  const perSource: number[] = [];
  for (const file of SOURCES) {
    let added = 0;
    for (const line of zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as { id?: string; link?: string; title?: string; abstract?: string };
      const title = (r.title ?? '').replace(/\s+/g, ' ').trim();
      const abstract = (r.abstract ?? '').replace(/\s+/g, ' ').trim();
      if (!title || !abstract) continue;
      const id = arxivIdOf(r);
      const key = id ? `id:${id}` : `title:${titleKey(title)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      docs.push({ title, abstract });
      added++;
    }
    perSource.push(added);
  }
  return { docs, perSource };
}

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const limit = Number(arg('limit') ?? Number.POSITIVE_INFINITY);
const out = path.resolve(arg('out') ?? path.join(REPO_ROOT, 'models/base.pbem'));
const half = arg('half');
// 2 members, not the 8 of an instance's model: the base is averaged with the instance's model in turn
// (mergeWithBase), and 2 take a quarter of the time to rebuild (one per core of a 2-core machine).
const members = Number(arg('members') ?? 2);

const { docs: all, perSource } = readPapers();
const docs = all.slice(0, limit);
console.error(
  `train-base-model: ${all.length} distinct papers (${perSource.map((n, i) => `${n} new from ${path.basename(SOURCES[i])}`).join(', ')}); training on ${docs.length}`,
);
const t0 = Date.now();
const train = createProgress('train-base-model', 'batches', process.stderr, true);
let align: Progress | undefined;
const { model } = await trainCorpusModelOnThreads(docs, { members }, undefined, (done, of, phase) => {
  if (phase === 'train') return train.update(done, of ? Math.min(1, done / of) : undefined);
  if (!align) {
    train.finish();
    align = createProgress('train-base-model: aligning', 'members', process.stderr, true);
  }
  align.update(done, done / of);
});
(align ?? train).finish();
// A version without the day it was trained on: the same inputs give the same file.
const based = model.withVersion(`${BASE_MODEL_PREFIX}${docs.length}d-${model.vocab.length}v-${model.dim}x${members}`);
fs.mkdirSync(path.dirname(out), { recursive: true });
await based.save(out, 'int8');
if (half) await based.save(path.resolve(half), 'half');
console.error(
  `train-base-model: ${model.vocab.length} words, ${model.dim} dimensions, ${((Date.now() - t0) / 60000).toFixed(1)} min -> ${out} (${(fs.statSync(out).size / 1e6).toFixed(1)} MB)`,
);
