import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { BASE_MODEL_FILE, type MergeOptions, mergeWithBase } from '../src/search/corpus-model/base.js';
import { CorpusModel } from '../src/search/corpus-model/model.js';
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from '../src/search/corpus-model/training.js';
import { trainCorpusModelOnThreads } from '../src/search/corpus-model/train-worker.js';
import { SqliteLexicalIndex, createStandaloneSchema, EXACT_WORD_WEIGHT } from '../src/search/lexical/sqlite-fts5.js';
import { DEFAULT_COLUMN_WEIGHTS } from '../src/search/lexical/types.js';
import { ExactVectorIndex } from '../src/search/vectors/vector-index.js';
import { DEFAULT_FUSION, type FusionWeights, hybridRank, type ScoredId, softRerank, type VectorSide } from '../src/search/fusion.js';
import { type Benchmark, type BenchQuery, loadParaphraseDev, loadSciFact } from './datasets.js';
import { mean, mrrAt, ndcgAt, recallAt } from './metrics.js';

const CANDIDATES = 100;
const CACHE_DIR = process.env.PAPERBOY_BENCH_CACHE ?? 'data/bench-cache';

/** Where the model trained for benchmark `name` on `docs` papers with `opts` is cached. */
export function cachedModelFile(name: string, docs: number, opts: TrainOptions): string {
  const key = createHash('sha1')
    .update(JSON.stringify({ opts, n: docs }))
    .digest('hex')
    .slice(0, 10);
  return join(CACHE_DIR, `${name}-${key}.pbem`);
}

interface Prepared {
  bench: Benchmark;
  lexical: SqliteLexicalIndex;
  model: CorpusModel;
  vectors: ExactVectorIndex;
  rowOf: Map<string, number>;
}

/**
 * Which model searches: `merged` (the product's: the model trained on the benchmark's papers merged
 * with the shipped base, EMBEDDER_BASE on), `own` (that model alone, EMBEDDER_BASE=off) or `base`
 * (the base alone: an instance without a model of its own). SEARCH_BASE_FILE measures another base
 * file, SEARCH_MERGE='{"baseWeight":0.3}' other merge settings.
 */
export type ModelChoice = 'merged' | 'own' | 'base';

async function prepare(bench: Benchmark, trainOverrides: Partial<TrainOptions>, choice: ModelChoice = 'merged'): Promise<Prepared> {
  if (!['merged', 'own', 'base'].includes(choice)) throw new Error(`search-quality: --model=${choice}: want merged, own or base`);
  const db = new Database(':memory:');
  createStandaloneSchema(db);
  const ins = db.prepare('INSERT INTO papers (arxiv_id, title, abstract, authors) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (const d of bench.docs) ins.run(d.id, d.title, d.abstract, '');
  })();
  const lexical = new SqliteLexicalIndex(
    db,
    {
      ...DEFAULT_COLUMN_WEIGHTS,
      title: Number(process.env.SEARCH_TITLE_WEIGHT ?? DEFAULT_COLUMN_WEIGHTS.title),
    },
    Number(process.env.SEARCH_EXACT_WEIGHT ?? EXACT_WORD_WEIGHT),
  );

  const opts = { ...DEFAULT_TRAIN_OPTIONS, ...trainOverrides };
  mkdirSync(CACHE_DIR, { recursive: true });
  const file = cachedModelFile(bench.name, bench.docs.length, opts);
  let model: CorpusModel;
  const base = choice === 'own' ? null : await CorpusModel.load(process.env.SEARCH_BASE_FILE ?? BASE_MODEL_FILE);
  if (choice === 'base') model = base!;
  else if (existsSync(file) && !process.env.RETRAIN) {
    model = await CorpusModel.load(file);
  } else {
    const t0 = Date.now();
    const r = await trainCorpusModelOnThreads(bench.docs, opts);
    model = r.model;
    const l = r.losses;
    console.error(
      `trained ${bench.name} in ${((Date.now() - t0) / 1000).toFixed(1)}s: vocab ${model.vocab.length}, loss ${mean(l.slice(0, 20)).toFixed(3)} -> ${mean(l.slice(-20)).toFixed(3)}`,
    );
    await model.save(file);
  }
  if (choice === 'merged') model = mergeWithBase(model, base!, JSON.parse(process.env.SEARCH_MERGE ?? '{}') as Partial<MergeOptions>);
  const vec = new Float32Array(bench.docs.length * model.dim);
  bench.docs.forEach((d, i) => model.embedPaper(d.title, d.abstract, vec, i * model.dim));
  const rowOf = new Map(bench.docs.map((d, i) => [d.id, i]));
  return { bench, lexical, model, vectors: new ExactVectorIndex(model.dim, vec), rowOf };
}

interface Runs {
  texts: string[];
  lexical: ScoredId[][];
  vector: ScoredId[][];
  qvecs: Float32Array[];
  /** each query's lexical score bound (SqliteLexicalIndex.scoreBound), as the service passes it */
  bounds: number[];
}

function run(p: Prepared, queries: BenchQuery[]): Runs {
  const out: Runs = { texts: queries.map((q) => q.text), lexical: [], vector: [], qvecs: [], bounds: [] };
  for (const q of queries) {
    out.lexical.push(p.lexical.searchSync(q.text, { limit: CANDIDATES }));
    out.bounds.push(p.lexical.scoreBoundSync(q.text));
    const qv = p.model.embed(q.text);
    out.qvecs.push(qv);
    out.vector.push(p.vectors.search(qv, CANDIDATES).map((h) => ({ id: p.bench.docs[h.index].id, score: h.score })));
  }
  return out;
}

/** The service's hybrid ranking (hybridRank, then softRerank) over the bench's exact index. */
async function hybrid(p: Prepared, runs: Runs, i: number, weights: FusionWeights): Promise<ScoredId[]> {
  const { dim } = p.model;
  const side: VectorSide = {
    search: (q, k) => p.vectors.search(q, k).map((h) => ({ id: p.bench.docs[h.index].id, score: h.score })),
    score: (q, id) => {
      const r = p.rowOf.get(id);
      return r === undefined ? undefined : p.vectors.score(q, r);
    },
    vectorOf: (id) => {
      const r = p.rowOf.get(id);
      return r === undefined ? null : p.vectors.vectors.subarray(r * dim, (r + 1) * dim);
    },
  };
  const fused = hybridRank(runs.lexical[i], runs.qvecs[i], side, weights, runs.bounds[i]);
  return softRerank(fused, runs.texts[i], p.model, (ids) => new Map(ids.map((id) => [id, p.bench.docs[p.rowOf.get(id)!]])), weights);
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
  // SEARCH_FUSION='{"lexical":0.8,"feedbackDocs":3}' measures other fusion settings than the default.
  const fusion: FusionWeights = { ...DEFAULT_FUSION, ...(JSON.parse(process.env.SEARCH_FUSION ?? '{}') as Partial<FusionWeights>) };
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
    const p = await prepare(await load(), overrides, (args.find((a) => a.startsWith('--model='))?.slice(8) ?? 'merged') as ModelChoice);
    if (tune) {
      const { queries, qrels } = p.bench.splits[tuneSplit];
      const runs = run(p, queries);
      const measure = async (weights: FusionWeights) => {
        const r: string[][] = [];
        for (let i = 0; i < queries.length; i++) r.push((await hybrid(p, runs, i, weights)).map((h) => h.id));
        return Object.values(score(name, r, queries, qrels))[0];
      };
      // The lexical weight with scores divided by the query's bound, over the default soft match.
      const bounded: Record<string, number> = {};
      for (let w = 0.3; w <= 0.80001; w += 0.1) bounded[w.toFixed(1)] = await measure({ ...fusion, boundLexical: w });
      console.log(JSON.stringify({ benchmark: name, split: tuneSplit, tune: 'bound-lexical-weight', sweep: round(bounded) }));
      // Min-max normalised lexical scores (an index without a bound), without the soft match.
      for (const [docs, weight] of [
        [0, 0],
        [3, 0.5],
        [3, 1],
        [5, 1],
      ]) {
        const sweep: Record<string, number> = {};
        for (let w = 0.5; w <= 1.0001; w += 0.05) {
          sweep[w.toFixed(2)] = await measure({ ...fusion, boundLexical: undefined, lexical: w, feedbackDocs: docs, feedbackWeight: weight, softMatch: 0 });
        }
        console.log(
          JSON.stringify({ benchmark: name, split: tuneSplit, tune: 'lexical-weight', feedbackDocs: docs, feedbackWeight: weight, sweep: round(sweep) }),
        );
      }
      // The soft word match's weight, over the default fusion (0 = off).
      const soft: Record<string, number> = {};
      for (let w = 0; w <= 0.80001; w += 0.1) soft[w.toFixed(1)] = await measure({ ...fusion, softMatch: w });
      console.log(JSON.stringify({ benchmark: name, split: tuneSplit, tune: 'soft-match-weight', softDepth: fusion.softDepth, sweep: round(soft) }));
    }
    const { queries, qrels } = p.bench.splits[reportSplit];
    const runs = run(p, queries);
    const modes: Record<string, string[][]> = {
      lexical: runs.lexical.map((r) => r.map((h) => h.id)),
      vector: runs.vector.map((r) => r.map((h) => h.id)),
      hybrid: [],
    };
    for (let i = 0; i < queries.length; i++) modes.hybrid.push((await hybrid(p, runs, i, fusion)).map((h) => h.id));
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
