import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { BASE_MODEL_FILE, BASE_STARTS, type BaseStart, DEFAULT_MERGE, type MergeOptions, WARM_MERGE, mergeWithBase } from '../src/search/corpus-model/base.js';
import { CorpusModel } from '../src/search/corpus-model/model.js';
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from '../src/search/corpus-model/training.js';
import { trainCorpusModelOnThreads } from '../src/search/corpus-model/train-worker.js';
import { SqliteLexicalIndex, createStandaloneSchema, EXACT_WORD_WEIGHT } from '../src/search/lexical/sqlite-fts5.js';
import { DEFAULT_COLUMN_WEIGHTS } from '../src/search/lexical/types.js';
import { ExactVectorIndex } from '../src/search/vectors/vector-index.js';
import { DEFAULT_FUSION, type FusionWeights, hybridRank, type ScoredId, type SoftMatcher, softRerank, type VectorSide } from '../src/search/fusion.js';
import { type Benchmark, type BenchQuery, folds, loadParaphrase, PARAPHRASE_SETS, loadSciFact, withDistractors } from './datasets.js';
import { mean, mrrAt, ndcgAt, numberArg, recallAt } from './metrics.js';

const CANDIDATES = 100;
const CACHE_DIR = process.env.PAPERBOY_BENCH_CACHE ?? 'data/bench-cache';

/**
 * Where the model trained for benchmark `name` on `docs` papers with `opts` is cached: a warm start
 * is keyed by the start model's version, not its vectors (a model trained from random keeps the key
 * it had before warm starts).
 */
export function cachedModelFile(name: string, docs: number, opts: TrainOptions, startVersion?: string): string {
  const key = createHash('sha1')
    .update(JSON.stringify({ opts: { ...opts, start: undefined, warmFrom: startVersion }, n: docs }))
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

/**
 * `start` (--start=merge|warm, EMBEDDER_BASE_START): how the benchmark's own model is trained,
 * from random (merge) or from the base's vectors (warm); `merged` then merges it with the base as
 * the product does for that start (DEFAULT_MERGE or WARM_MERGE).
 */
async function prepare(
  bench: Benchmark,
  trainOverrides: Partial<TrainOptions>,
  choice: ModelChoice = 'merged',
  modelFile?: string,
  start: BaseStart = 'merge',
): Promise<Prepared> {
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
  const base = choice === 'own' && start === 'merge' ? null : await CorpusModel.load(process.env.SEARCH_BASE_FILE ?? BASE_MODEL_FILE);
  if (start === 'warm') opts.start = { vocab: base!.vocab, vectors: base!.vectors, dim: base!.dim };
  const file = cachedModelFile(bench.cacheName ?? bench.name, bench.docs.length, opts, start === 'warm' ? base!.version : undefined);
  let model: CorpusModel;
  if (choice === 'base') model = base!;
  else if (modelFile) {
    model = await CorpusModel.load(modelFile);
  } else if (existsSync(file) && !process.env.RETRAIN) {
    model = await CorpusModel.load(file);
  } else {
    const t0 = Date.now();
    const r = await trainCorpusModelOnThreads(bench.docs, opts);
    model = r.model;
    const l = r.losses;
    console.error(
      `trained ${bench.name} (${bench.docs.length} papers, start ${start}) in ${((Date.now() - t0) / 1000).toFixed(1)}s, load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}: vocab ${model.vocab.length}, loss ${mean(l.slice(0, 20)).toFixed(3)} -> ${mean(l.slice(-20)).toFixed(3)}`,
    );
    await model.save(file);
  }
  if (choice === 'merged') {
    model = mergeWithBase(model, base!, {
      ...(start === 'warm' ? WARM_MERGE : DEFAULT_MERGE),
      ...(JSON.parse(process.env.SEARCH_MERGE ?? '{}') as Partial<MergeOptions>),
    });
  }
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
/**
 * What a grid of weights measures again and again for one query: the nearest papers to the same
 * (moved) query vector and the soft match of the same papers. Kept per query, these make a grid
 * point cost little more than its fusion.
 */
export interface HybridMemo {
  nearest: Map<string, ScoredId[]>;
  soft: Map<string, number[]>;
  sentence: Map<string, number[]>;
}

/** The service's hybrid ranking (hybridRank, then softRerank) over the bench's exact index. */
async function hybrid(p: Prepared, runs: Runs, i: number, weights: FusionWeights, memo?: HybridMemo): Promise<ScoredId[]> {
  const { dim } = p.model;
  const search = (q: Float32Array, k: number) => p.vectors.search(q, k).map((h) => ({ id: p.bench.docs[h.index].id, score: h.score }));
  const side: VectorSide = {
    search: memo
      ? (q, k) => {
          const key = `${k}:${Array.from(q.subarray(0, 16)).join(',')}`;
          let hit = memo.nearest.get(key);
          if (!hit) memo.nearest.set(key, (hit = search(q, k)));
          return hit;
        }
      : search,
    score: (q, id) => {
      const r = p.rowOf.get(id);
      return r === undefined ? undefined : p.vectors.score(q, r);
    },
    vectorOf: (id) => {
      const r = p.rowOf.get(id);
      return r === undefined ? null : p.vectors.vectors.subarray(r * dim, (r + 1) * dim);
    },
  };
  // Each match kept per query by the papers it scored (their titles), as the grid asks for the same again and again.
  type Match = (query: string, docs: readonly { title: string; abstract: string }[]) => number[];
  const kept =
    (map: Map<string, number[]>, match: Match): Match =>
    (query, docs) => {
      const key = docs.map((d) => d.title).join('\n');
      let hit = map.get(key);
      if (!hit) map.set(key, (hit = match(query, docs)));
      return hit;
    };
  const matcher: SoftMatcher = memo
    ? {
        softMatch: kept(memo.soft, (q, d) => p.model.softMatch(q, d)),
        sentenceMatch: kept(memo.sentence, (q, d) => p.model.sentenceMatch(q, d)),
      }
    : p.model;
  const fused = hybridRank(runs.lexical[i], runs.qvecs[i], side, weights, runs.bounds[i]);
  return softRerank(fused, runs.texts[i], matcher, (ids) => new Map(ids.map((id) => [id, p.bench.docs[p.rowOf.get(id)!]])), weights);
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

/** Each query's figures (MRR@10 and Recall@10, or nDCG@10 and Recall@100 on SciFact), in the order of `score`. */
function perQuery(bench: string, rankings: string[][], queries: BenchQuery[], qrels: Map<string, Map<string, number>>): [number[], number[]] {
  const rel = (i: number) => qrels.get(queries[i].id) ?? new Map<string, number>();
  if (bench === 'scifact') return [rankings.map((r, i) => ndcgAt(r, rel(i), 10)), rankings.map((r, i) => recallAt(r, rel(i), 100))];
  return [rankings.map((r, i) => mrrAt(r, rel(i), 10)), rankings.map((r, i) => recallAt(r, rel(i), 10))];
}

/** One point of the cross-validation grid: fusion weights, and the value of each knob in words ('off' when not used). */
interface GridPoint {
  knobs: Record<string, string>;
  weights: FusionWeights;
}

/**
 * The weights the CV chooses among: the existing sweeps (bound-lexical weight, soft-match weight,
 * dense feedback, adaptive share, sentence-match weight), each with its 'off', over the default of the rest.
 */
function fusionGrid(base: FusionWeights): GridPoint[] {
  const out: GridPoint[] = [];
  for (const bound of ['off', '0.6', '0.7', '0.8']) {
    for (const soft of ['off', '0.4']) {
      for (const feedback of ['off', '3x0.5']) {
        // the adaptive weight scales the bound-lexical weight: without the bound it is always off
        for (const adaptive of bound === 'off' ? ['off'] : ['off', '0.5', '0.7']) {
          for (const sentence of ['off', '0.2', '0.3']) {
            out.push({
              knobs: { 'bound-lexical': bound, 'soft-match': soft, feedback, 'adaptive-share': adaptive, 'sentence-match': sentence },
              weights: {
                ...base,
                boundLexical: bound === 'off' ? undefined : Number(bound),
                softMatch: soft === 'off' ? 0 : Number(soft),
                feedbackDocs: feedback === 'off' ? 0 : 3,
                feedbackWeight: feedback === 'off' ? 0 : 0.5,
                adaptiveShare: adaptive === 'off' ? undefined : Number(adaptive),
                sentenceMatch: sentence === 'off' ? 0 : Number(sentence),
              },
            });
          }
        }
      }
    }
  }
  return out;
}

const avg = (xs: number[], idx: number[]) => mean(idx.map((i) => xs[i]));

/** The grid point with the best mean first figure over queries `idx` (ties: the earlier point). */
function choose(points: number[], table: [number[], number[]][], idx: number[]): number {
  let best = points[0];
  for (const g of points) if (avg(table[g][0], idx) > avg(table[best][0], idx) + 1e-12) best = g;
  return best;
}

/**
 * k-fold cross-validation over the queries of one split: for each fold the weights are chosen on the
 * other folds and scored on it. Prints a line per fold, the held-out mean beside the figures of the
 * weights tuned on all queries and of the default, and each knob's held-out gain over 'off'.
 */
function crossValidate(
  name: string,
  split: string,
  table: [number[], number[]][],
  grid: GridPoint[],
  k: number,
  deflt: number,
  info: { papers: number; lexical: Record<string, number>; model: string },
): void {
  const [m1, m2] = name === 'scifact' ? ['nDCG@10', 'Recall@100'] : ['MRR@10', 'Recall@10'];
  const n = table[0][0].length;
  const all = Array.from({ length: n }, (_, i) => i);
  const heldOut = folds(all, k);
  const cv = (points: number[]) => {
    const got: [number[], number[]] = [new Array<number>(n), new Array<number>(n)];
    const chosen: number[] = [];
    heldOut.forEach((test) => {
      const inFold = new Set(test);
      const g = choose(
        points,
        table,
        all.filter((i) => !inFold.has(i)),
      );
      chosen.push(g);
      for (const i of test) {
        got[0][i] = table[g][0][i];
        got[1][i] = table[g][1][i];
      }
    });
    return { got, chosen };
  };
  const everything = grid.map((_, g) => g);
  const { got, chosen } = cv(everything);
  heldOut.forEach((test, f) => {
    const g = chosen[f];
    console.log(
      JSON.stringify({
        benchmark: name,
        split,
        cv: 'fold',
        fold: f + 1,
        of: k,
        queries: test.length,
        chosen: grid[g].knobs,
        [m1]: round({ x: avg(table[g][0], test) }).x,
        [m2]: round({ x: avg(table[g][1], test) }).x,
        [`${m1} tuned`]: round({ x: mean(all.filter((i) => !test.includes(i)).map((i) => table[g][0][i])) }).x,
        papers: info.papers,
      }),
    );
  });
  const onAll = choose(everything, table, all);
  console.log(
    JSON.stringify({
      benchmark: name,
      split,
      cv: 'mean',
      folds: k,
      queries: n,
      [m1]: round({ x: mean(got[0]) }).x,
      [m2]: round({ x: mean(got[1]) }).x,
      tunedOnAll: { ...grid[onAll].knobs, [m1]: round({ x: mean(table[onAll][0]) }).x, [m2]: round({ x: mean(table[onAll][1]) }).x },
      default: { [m1]: round({ x: mean(table[deflt][0]) }).x, [m2]: round({ x: mean(table[deflt][1]) }).x },
      lexical: info.lexical,
      papers: info.papers,
      model: info.model,
    }),
  );
  for (const knob of Object.keys(grid[0].knobs)) {
    const off = cv(everything.filter((g) => grid[g].knobs[knob] === 'off')).got;
    console.log(
      JSON.stringify({
        benchmark: name,
        split,
        cv: 'effect',
        knob,
        // what choosing the knob's value on the other folds (the rest chosen with it) adds on the held-out fold, over leaving it off
        [`${m1} gain`]: round({ x: mean(got[0]) - mean(off[0]) }).x,
        [`${m2} gain`]: round({ x: mean(got[1]) - mean(off[1]) }).x,
        [`${m1} off`]: round({ x: mean(off[0]) }).x,
        // folds whose held-out first figure is higher with the knob than without, and lower
        won: heldOut.filter((f) => avg(got[0], f) > avg(off[0], f) + 1e-12).length,
        lost: heldOut.filter((f) => avg(got[0], f) < avg(off[0], f) - 1e-12).length,
      }),
    );
  }
}

/** The three modes' lines (lexical, vector, hybrid with `fusion`) over one split. */
async function report(p: Prepared, split: string, fusion: FusionWeights, extra: Record<string, unknown> = {}): Promise<Record<string, Record<string, number>>> {
  const name = p.bench.name;
  const { queries, qrels } = p.bench.splits[split];
  const runs = run(p, queries);
  const modes: Record<string, string[][]> = {
    lexical: runs.lexical.map((r) => r.map((h) => h.id)),
    vector: runs.vector.map((r) => r.map((h) => h.id)),
    hybrid: [],
  };
  for (let i = 0; i < queries.length; i++) modes.hybrid.push((await hybrid(p, runs, i, fusion)).map((h) => h.id));
  const out: Record<string, Record<string, number>> = {};
  for (const [mode, rankings] of Object.entries(modes)) {
    out[mode] = round(score(name, rankings, queries, qrels));
    console.log(
      JSON.stringify({
        benchmark: name,
        split,
        mode,
        queries: queries.length,
        docs: p.bench.docs.length,
        ...extra,
        ...out[mode],
        model: mode === 'lexical' ? undefined : `${p.model.name}@${p.model.version}`,
      }),
    );
  }
  return out;
}

/** Every grid point's per-query figures over one split. */
async function gridTable(p: Prepared, split: string, grid: GridPoint[]): Promise<[number[], number[]][]> {
  const { queries, qrels } = p.bench.splits[split];
  const runs = run(p, queries);
  const table: [number[], number[]][] = [];
  const memos: HybridMemo[] = queries.map(() => ({ nearest: new Map(), soft: new Map(), sentence: new Map() }));
  for (const g of grid) {
    const r: string[][] = [];
    for (let i = 0; i < queries.length; i++) r.push((await hybrid(p, runs, i, g.weights, memos[i])).map((h) => h.id));
    table.push(perQuery(p.bench.name, r, queries, qrels));
  }
  return table;
}

export async function searchQuality(args: string[]): Promise<void> {
  const tune = args.includes('--tune');
  const only = args.find((a) => a.startsWith('--only='))?.slice(7);
  // --model-file=PATH: every benchmark (and size) searches with that corpus model instead of one trained on its corpus.
  const modelFile = args.find((a) => a.startsWith('--model-file='))?.slice(13);
  const modelChoice = (args.find((a) => a.startsWith('--model='))?.slice(8) ?? 'merged') as ModelChoice;
  // --start=warm: the benchmark's own model is trained from the base's vectors (EMBEDDER_BASE_START=warm).
  const start = (args.find((a) => a.startsWith('--start='))?.slice(8) ?? 'merge') as BaseStart;
  if (!BASE_STARTS.includes(start)) throw new Error(`bench: --start takes ${BASE_STARTS.join(' or ')}, not ${start}`);
  const label = { start, model: modelChoice };
  if (modelFile !== undefined && !existsSync(modelFile)) throw new Error(`bench: --model-file ${modelFile} does not exist`);
  const overrides = JSON.parse(process.env.SEARCH_TRAIN ?? '{}') as Partial<TrainOptions>;
  // SEARCH_FUSION='{"lexical":0.8,"feedbackDocs":3}' measures other fusion settings than the default.
  const fusion: FusionWeights = { ...DEFAULT_FUSION, ...(JSON.parse(process.env.SEARCH_FUSION ?? '{}') as Partial<FusionWeights>) };
  const loaders: [string, () => Promise<Benchmark>, string, string][] = [
    ['scifact', async () => loadSciFact(), 'train', 'test'],
    ...PARAPHRASE_SETS.map((name) => [name, () => loadParaphrase(name), 'dev', 'dev'] as [string, () => Promise<Benchmark>, string, string]),
  ];
  if (args.includes('--sizes')) {
    // paraphrase-dev's targets plus 5,000 / 20,000 / all arxiver distractors (--distractors=5000,20000,all),
    // each with a corpus model trained on that corpus, as an instance of that size would have; SciFact at its size.
    const sizes = (args.find((a) => a.startsWith('--distractors='))?.slice(14) ?? '5000,20000,all')
      .split(',')
      .map((s) => (s === 'all' ? undefined : Number(s)));
    for (const s of sizes)
      if (s !== undefined && !(Number.isInteger(s) && s >= 0)) throw new Error(`bench: --distractors takes whole numbers or "all", not ${s}`);
    for (const [name, load, , reportSplit] of loaders) {
      if (only && only !== name) continue;
      const full = await load();
      for (const size of name === 'scifact' ? [undefined] : sizes) {
        const t0 = Date.now();
        const bench = withDistractors(full, size);
        const p = await prepare(bench, overrides, modelChoice, modelFile, start);
        await report(p, reportSplit, fusion, { distractors: size ?? 'all', papers: bench.docs.length, ...label });
        console.error(`${name} at ${bench.docs.length} papers: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      }
    }
    return;
  }
  if (args.includes('--cv')) {
    const k = numberArg(args, 'folds', 5);
    const grid = fusionGrid(fusion);
    const defaultAt = grid.findIndex(
      (g) =>
        g.weights.boundLexical === fusion.boundLexical &&
        g.weights.softMatch === fusion.softMatch &&
        g.weights.feedbackDocs === fusion.feedbackDocs &&
        (g.weights.adaptiveShare ?? 0) === (fusion.adaptiveShare ?? 0) &&
        (g.weights.sentenceMatch ?? 0) === (fusion.sentenceMatch ?? 0),
    );
    if (defaultAt < 0) throw new Error('bench: the default fusion is not a point of the CV grid');
    // --distractors=N: paraphrase-dev's targets plus N distractors (the corpus of that --sizes line).
    const distractors = args.find((a) => a.startsWith('--distractors='))?.slice(14);
    const size = distractors === undefined || distractors === 'all' ? undefined : Number(distractors);
    if (size !== undefined && !(Number.isInteger(size) && size >= 0)) throw new Error(`bench: --distractors takes a whole number or "all", not ${distractors}`);
    for (const [name, load, tuneSplit, reportSplit] of loaders) {
      if (only && only !== name) continue;
      const t0 = Date.now();
      const bench = name === 'scifact' ? await load() : withDistractors(await load(), size);
      const p = await prepare(bench, overrides, modelChoice, modelFile, start);
      const lexicalOf = (split: string) => {
        const { queries, qrels } = p.bench.splits[split];
        return round(
          score(
            name,
            queries.map((q) => p.lexical.searchSync(q.text, { limit: CANDIDATES }).map((h) => h.id)),
            queries,
            qrels,
          ),
        );
      };
      const test = await gridTable(p, reportSplit, grid);
      if (tuneSplit !== reportSplit) {
        // SciFact: chosen on train, scored on test.
        const train = await gridTable(p, tuneSplit, grid);
        const g = choose(
          grid.map((_, i) => i),
          train,
          train[0][0].map((_, i) => i),
        );
        console.log(
          JSON.stringify({
            benchmark: name,
            cv: 'train-test',
            chosen: grid[g].knobs,
            'nDCG@10 train': round({ x: mean(train[g][0]) }).x,
            'nDCG@10': round({ x: mean(test[g][0]) }).x,
            'Recall@100': round({ x: mean(test[g][1]) }).x,
          }),
        );
      }
      crossValidate(name, reportSplit, test, grid, k, defaultAt, {
        lexical: lexicalOf(reportSplit),
        papers: bench.docs.length,
        model: `${modelChoice}, start ${start}: ${p.model.version}`,
      });
      console.error(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    }
    return;
  }
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
    const p = await prepare(await load(), overrides, modelChoice, modelFile, start);
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
    await report(p, reportSplit, fusion, label);
    console.error(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
}
