import { createReadStream, readFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../src/util/prng.js';

export const DATA_DIR = process.env.PAPERBOY_SHARED_DATA ?? '/work/shared/data';

export interface BenchDoc {
  id: string;
  title: string;
  abstract: string;
  published?: string;
  categories?: string[];
}

export interface BenchQuery {
  id: string;
  text: string;
}

export interface Benchmark {
  name: string;
  /** The name its corpus models are cached under when not its own (the same papers as another benchmark's). */
  cacheName?: string;
  docs: BenchDoc[];
  /** Queries and judgements per split ("train" for tuning, "test" or "dev" for reporting). */
  splits: Record<string, { queries: BenchQuery[]; qrels: Map<string, Map<string, number>> }>;
}

function readQrels(path: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const line of readFileSync(path, 'utf8').split('\n').slice(1)) {
    const [q, d, s] = line.split('\t');
    if (!q || !d) continue;
    if (!out.has(q)) out.set(q, new Map());
    out.get(q)!.set(d, Number(s));
  }
  return out;
}

export function loadSciFact(): Benchmark {
  const dir = join(DATA_DIR, 'retrieval/scifact/beir');
  const docs = readFileSync(join(dir, 'corpus.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { _id: string; title: string; text: string })
    .map((d) => ({ id: d._id, title: d.title, abstract: d.text }));
  const queries = new Map(
    readFileSync(join(dir, 'queries.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { _id: string; text: string })
      .map((q) => [q._id, q.text] as const),
  );
  const split = (name: string) => {
    const qrels = readQrels(join(dir, `qrels/${name}.tsv`));
    return { queries: [...qrels.keys()].map((id) => ({ id, text: queries.get(id) ?? '' })), qrels };
  };
  return { name: 'scifact', docs, splits: { train: split('train'), test: split('test') } };
}

/** arxiver-cs-2025, one row per arXiv id (the latest version). */
export async function loadArxiver(): Promise<BenchDoc[]> {
  const path = join(DATA_DIR, 'arxiv-metadata/arxiver-cs-2025.jsonl.gz');
  const rl = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  const best = new Map<string, { v: number; doc: BenchDoc }>();
  for await (const line of rl) {
    if (!line) continue;
    const r = JSON.parse(line) as {
      title: string;
      abstract: string;
      published: string;
      link: string;
      categories: string | string[];
    };
    const m = /arxiv\.org\/abs\/(.+?)v(\d+)$/.exec(r.link);
    if (!m) continue;
    const v = Number(m[2]);
    const prev = best.get(m[1]);
    if (prev && prev.v >= v) continue;
    const categories = Array.isArray(r.categories) ? r.categories : (String(r.categories).match(/'([^']+)'/g) ?? []).map((c) => c.slice(1, -1));
    best.set(m[1], {
      v,
      doc: { id: m[1], title: r.title.replace(/\s+/g, ' ').trim(), abstract: r.abstract.replace(/\s+/g, ' ').trim(), published: r.published, categories },
    });
  }
  return [...best.values()].map((b) => b.doc);
}

/** "I half remember this paper" queries (`arxiv_id<TAB>query` lines) over arxiver-cs-2025, one target each. */
function paraphraseSplit(docs: BenchDoc[], files: string[]): Benchmark['splits'][string] {
  const known = new Set(docs.map((d) => d.id));
  const queries: BenchQuery[] = [];
  const qrels = new Map<string, Map<string, number>>();
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((l, n) => {
        if (!l || l.startsWith('arxiv_id\t')) return;
        const [id, text] = l.split('\t');
        if (!text || !known.has(id)) throw new Error(`bench: ${file} line ${n + 1}: want "arxiv_id<TAB>query" for a paper of arxiver-cs-2025`);
        const qid = `p${queries.length}`;
        queries.push({ id: qid, text });
        qrels.set(qid, new Map([[id, 1]]));
      });
  }
  return { queries, qrels };
}

/**
 * The paraphrase benchmarks over arxiver-cs-2025: paraphrase-dev's 42 queries (../shared), the 200 hard
 * and the 200 easy ones written for this repository (bench/queries/README.md), and paraphrase-dev's 42
 * with the 200 hard (242: enough queries that a cross-validated difference of 0.02 stands out of the
 * folds' noise, which 42 alone do not give).
 */
export const PARAPHRASE_SETS = ['paraphrase-dev', 'paraphrase-hard', 'paraphrase-easy', 'paraphrase-dev-hard'] as const;
export type ParaphraseSet = (typeof PARAPHRASE_SETS)[number];

export async function loadParaphrase(name: ParaphraseSet): Promise<Benchmark> {
  const dev = join(DATA_DIR, 'retrieval/paraphrase-dev/queries.tsv');
  const written = (kind: 'hard' | 'easy') => fileURLToPath(new URL(`../../bench/queries/paraphrase-${kind}.tsv`, import.meta.url));
  const files = {
    'paraphrase-dev': [dev],
    'paraphrase-hard': [written('hard')],
    'paraphrase-easy': [written('easy')],
    'paraphrase-dev-hard': [dev, written('hard')],
  }[name];
  const docs = await loadArxiver();
  // All of them search the same 45,904 papers, so they share paraphrase-dev's cached corpus models.
  return { name, cacheName: 'paraphrase-dev', docs, splits: { dev: paraphraseSplit(docs, files) } };
}

/**
 * A benchmark's corpus cut down to its judged papers plus `distractors` others (undefined or more
 * than there are: all of them), drawn by a fixed-seed shuffle so that every run, and the cached
 * corpus model of that size, sees the same papers. The papers keep the corpus's order.
 */
export function withDistractors(bench: Benchmark, distractors: number | undefined, seed = 29): Benchmark {
  const judged = new Set<string>();
  for (const s of Object.values(bench.splits)) for (const rel of s.qrels.values()) for (const id of rel.keys()) judged.add(id);
  const others = bench.docs.filter((d) => !judged.has(d.id));
  if (distractors === undefined || distractors >= others.length) return bench;
  const order = others.map((_, i) => i);
  const rand = seededRandom(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const keep = new Set(order.slice(0, distractors).map((i) => others[i].id));
  return { ...bench, cacheName: undefined, docs: bench.docs.filter((d) => judged.has(d.id) || keep.has(d.id)) };
}

/**
 * Splits queries into `k` folds by a fixed-seed shuffle (fold sizes differ by at most one): the
 * held-out sets of k-fold cross-validation.
 */
export function folds<T>(items: T[], k: number, seed = 29): T[][] {
  if (!Number.isInteger(k) || k < 2 || k > items.length) throw new Error(`bench: --folds must be a whole number from 2 to ${items.length}, not ${k}`);
  const order = items.map((_, i) => i);
  const rand = seededRandom(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const out: T[][] = Array.from({ length: k }, () => []);
  order.forEach((idx, n) => out[n % k].push(items[idx]));
  return out;
}
