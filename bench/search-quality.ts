import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CorpusModel, DEFAULT_TRAIN_OPTIONS, type TrainOptions, trainCorpusModel } from '../src/search/corpus-model.js';
import { SqliteLexicalIndex, createStandaloneSchema, DEFAULT_COLUMN_WEIGHTS } from '../src/search/sqlite-lexical.js';
import { ExactVectorIndex } from '../src/search/vector-index.js';
import { EXACT_WORD_WEIGHT } from '../src/search/lexical.js';
import { DEFAULT_FUSION, fuse, type ScoredId } from '../src/search/fusion.js';
import { type Benchmark, type BenchQuery, loadParaphraseDev, loadSciFact } from './datasets.js';
import { mean, mrrAt, ndcgAt, recallAt } from './metrics.js';

const CANDIDATES = 100;
const CACHE_DIR = process.env.PAPERBOY_BENCH_CACHE ?? 'data/bench-cache';

interface Prepared {
  bench: Benchmark;
  lexical: SqliteLexicalIndex;
  model: CorpusModel;
  vectors: ExactVectorIndex;
  rowOf: Map<string, number>;
}

async function prepare(bench: Benchmark, trainOverrides: Partial<TrainOptions>): Promise<Prepared> {
  const db = new Database(':memory:');
  createStandaloneSchema(db);
  const ins = db.prepare('INSERT INTO papers (arxiv_id, title, abstract, authors) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (const d of bench.docs) ins.run(d.id, d.title, d.abstract, '');
  })();
  const lexical = new SqliteLexicalIndex(db, {
    ...DEFAULT_COLUMN_WEIGHTS,
    title: Number(process.env.SEARCH_TITLE_WEIGHT ?? DEFAULT_COLUMN_WEIGHTS.title),
  }, Number(process.env.SEARCH_EXACT_WEIGHT ?? EXACT_WORD_WEIGHT));

  const opts = { ...DEFAULT_TRAIN_OPTIONS, ...trainOverrides };
  const key = createHash('sha1').update(JSON.stringify({ opts, n: bench.docs.length })).digest('hex').slice(0, 10);
  mkdirSync(CACHE_DIR, { recursive: true });
  const file = join(CACHE_DIR, `${bench.name}-${key}.pbem`);
  let model: CorpusModel;
  if (existsSync(file) && !process.env.RETRAIN) {
    model = await CorpusModel.load(file);
  } else {
    const t0 = Date.now();
    const r = trainCorpusModel(bench.docs, opts);
    model = r.model;
    const l = r.losses;
    console.error(
      `trained ${bench.name} in ${((Date.now() - t0) / 1000).toFixed(1)}s: vocab ${model.vocab.length}, loss ${mean(l.slice(0, 20)).toFixed(3)} -> ${mean(l.slice(-20)).toFixed(3)}`,
    );
    await model.save(file);
  }
  const vec = new Float32Array(bench.docs.length * model.dim);
  bench.docs.forEach((d, i) => model.embedPaper(d.title, d.abstract, vec, i * model.dim));
  const rowOf = new Map(bench.docs.map((d, i) => [d.id, i]));
  return { bench, lexical, model, vectors: new ExactVectorIndex(model.dim, vec), rowOf };
}

interface Runs {
  lexical: ScoredId[][];
  vector: ScoredId[][];
  qvecs: Float32Array[];
}

function run(p: Prepared, queries: BenchQuery[]): Runs {
  const out: Runs = { lexical: [], vector: [], qvecs: [] };
  for (const q of queries) {
    out.lexical.push(p.lexical.searchSync(q.text, { limit: CANDIDATES }));
    const qv = p.model.embed(q.text);
    out.qvecs.push(qv);
    out.vector.push(p.vectors.search(qv, CANDIDATES).map((h) => ({ id: p.bench.docs[h.index].id, score: h.score })));
  }
  return out;
}

const PRF_DOCS = Number(process.env.SEARCH_PRF_DOCS ?? 0);
const PRF_BETA = Number(process.env.SEARCH_PRF_BETA ?? 0.5);

function hybrid(p: Prepared, runs: Runs, i: number, lexWeight: number): ScoredId[] {
  let qv = runs.qvecs[i];
  let vector = runs.vector[i];
  if (PRF_DOCS > 0 && runs.lexical[i].length > 0) {
    // Dense pseudo-relevance feedback: move the query towards the top lexical hits.
    qv = Float32Array.from(qv);
    for (const h of runs.lexical[i].slice(0, PRF_DOCS)) {
      const r = p.rowOf.get(h.id)!;
      for (let d = 0; d < qv.length; d++) qv[d] += (PRF_BETA / PRF_DOCS) * p.vectors.vectors[r * qv.length + d];
    }
    let n = 0;
    for (let d = 0; d < qv.length; d++) n += qv[d] * qv[d];
    n = Math.sqrt(n) || 1;
    for (let d = 0; d < qv.length; d++) qv[d] /= n;
    vector = p.vectors.search(qv, CANDIDATES).map((h) => ({ id: p.bench.docs[h.index].id, score: h.score }));
  }
  return fuse(runs.lexical[i], vector, (id) => {
    const r = p.rowOf.get(id);
    return r === undefined ? undefined : p.vectors.score(qv, r);
  }, { lexical: lexWeight, norm: (process.env.SEARCH_NORM as 'minmax' | 'zscore') ?? 'minmax' });
}

function score(bench: string, rankings: string[][], queries: BenchQuery[], qrels: Map<string, Map<string, number>>): Record<string, number> {
  const rel = (i: number) => qrels.get(queries[i].id) ?? new Map<string, number>();
  if (bench === 'scifact') {
    return {
      'nDCG@10': mean(rankings.map((r, i) => ndcgAt(r, rel(i), 10))),
      'Recall@100': mean(rankings.map((r, i) => recallAt(r, rel(i), 100))),
    };
  }
  return {
    'MRR@10': mean(rankings.map((r, i) => mrrAt(r, rel(i), 10))),
    'Recall@10': mean(rankings.map((r, i) => recallAt(r, rel(i), 10))),
  };
}

const round = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));

export async function searchQuality(args: string[]): Promise<void> {
  const tune = args.includes('--tune');
  const only = args.find((a) => a.startsWith('--only='))?.slice(7);
  const overrides = JSON.parse(process.env.SEARCH_TRAIN ?? '{}') as Partial<TrainOptions>;
  const lexW = process.env.SEARCH_LEX_WEIGHT ? Number(process.env.SEARCH_LEX_WEIGHT) : DEFAULT_FUSION.lexical;
  const loaders: [string, () => Promise<Benchmark>, string, string][] = [
    ['scifact', async () => loadSciFact(), 'train', 'test'],
    ['paraphrase-dev', loadParaphraseDev, 'dev', 'dev'],
  ];
  for (const [name, load, tuneSplit, reportSplit] of loaders) {
    if (only && only !== name) continue;
    const t0 = Date.now();
    if (args.includes('--lexical-only')) {
      const bench = await load();
      const db = new Database(':memory:');
      createStandaloneSchema(db);
      const ins = db.prepare('INSERT INTO papers (arxiv_id, title, abstract, authors) VALUES (?, ?, ?, ?)');
      db.transaction(() => {
        for (const d of bench.docs) ins.run(d.id, d.title, d.abstract, '');
      })();
      const lex = new SqliteLexicalIndex(
        db,
        { ...DEFAULT_COLUMN_WEIGHTS, title: Number(process.env.SEARCH_TITLE_WEIGHT ?? DEFAULT_COLUMN_WEIGHTS.title) },
        Number(process.env.SEARCH_EXACT_WEIGHT ?? EXACT_WORD_WEIGHT),
      );
      const { queries, qrels } = bench.splits[reportSplit];
      const r = queries.map((q) => lex.searchSync(q.text, { limit: CANDIDATES }).map((h) => h.id));
      console.log(JSON.stringify({ benchmark: name, split: reportSplit, mode: 'lexical', ...round(score(name, r, queries, qrels)) }));
      continue;
    }
    const p = await prepare(await load(), overrides);
    if (tune) {
      const { queries, qrels } = p.bench.splits[tuneSplit];
      const runs = run(p, queries);
      const sweep: Record<string, number> = {};
      for (let w = 0; w <= 1.0001; w += 0.1) {
        const r = queries.map((_, i) => hybrid(p, runs, i, w).map((h) => h.id));
        sweep[w.toFixed(1)] = Object.values(score(name, r, queries, qrels))[0];
      }
      console.log(JSON.stringify({ benchmark: name, split: tuneSplit, tune: 'lexical-weight', sweep: round(sweep) }));
    }
    const { queries, qrels } = p.bench.splits[reportSplit];
    const runs = run(p, queries);
    const modes: Record<string, string[][]> = {
      lexical: runs.lexical.map((r) => r.map((h) => h.id)),
      vector: runs.vector.map((r) => r.map((h) => h.id)),
      hybrid: queries.map((_, i) => hybrid(p, runs, i, lexW).map((h) => h.id)),
    };
    for (const [mode, rankings] of Object.entries(modes)) {
      console.log(
        JSON.stringify({
          benchmark: name,
          split: reportSplit,
          mode,
          queries: queries.length,
          docs: p.bench.docs.length,
          ...round(score(name, rankings, queries, qrels)),
          model: mode === 'lexical' ? undefined : `${p.model.name}@${p.model.version}`,
        }),
      );
    }
    console.error(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
}
