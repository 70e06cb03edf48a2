// `npm run bench -- recommend [--folds=5] [--readers=N]`: the "For you" ranking on the simulated readers of
// ../shared/data/recsys (its SOURCES.md). The year of daily listings is imported with the authors removed
// (author names would give the answer away) into a throw-away SQLite database, each paper published on
// its announcement day; the corpus model is trained on it and every paper embedded, as `paperboy
// train-embedder` and `embed` do (the model is kept in PAPERBOY_BENCH_CACHE). Then, for each reader of
// readers-dev.tsv, the product's recommender (src/recommend/) is given exactly their liked_ids and ranks
// each test day's whole listing; the rank of the reader's best-placed own paper that day is recorded.
//
// The ranker's weights are tuned by cross-validation over readers: the readers are split into --folds
// folds; for each fold the weights of the ranker's similarities (text, mean vector, nearest liked paper,
// code owners, nearest liked paper by words, Fisher direction; src/recommend/ranker.ts featureColumns) that score best on the other folds are chosen by
// coordinate ascent on MRR, and the fold is scored with them through the product's rankForReader.
// Prints JSON lines: one per fold ({fold, chosen, trainMrr, heldOutMrr}), the weights chosen over all
// readers ({allReaders}), then the summary {bench: 'recommend', heldOut: {mrr, hit10}, productDefault:
// {mrr, hit10, weights} (RANK_WEIGHTS, chosen over all readers: in-sample), readerDays, fitMs, rankDayMs,
// rank1000Ms (p50/p99 wall), rank1000CpuMs (p50/p99 of the process's CPU time, which a loaded machine
// inflates less), loadAverage}. Baselines on the same readers (SOURCES.md): random 0.046, tf-idf centroid
// 0.278, arxiv-sanity-lite 0.289 MRR. Target: MRR >= 0.35, fit <= 200 ms, rank 1,000 <= 20 ms p99.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { buildPaper } from '../src/papers/paper.js';
import { createPaperStore } from '../src/papers/store.js';
import { IDF_POWER } from '../src/recommend/features.js';
import { RANK_WEIGHTS, type RankWeights, type ReaderModel, featureColumns, rankForReader } from '../src/recommend/ranker.js';
import { type Recommender, createRecommender } from '../src/recommend/recommender.js';
import { CorpusModel } from '../src/search/corpus-model/model.js';
import { corpusEmbedder } from '../src/search/embedders/embedder.js';
import { embedMissing, trainEmbedder } from '../src/search/embed-train.js';
import { openDatabase } from '../src/storage/database.js';
import { migrate } from '../src/storage/migrate.js';
import { numberArg, pct } from './metrics.js';

const DATA = path.resolve('../shared/data/recsys');
const CACHE_DIR = process.env.PAPERBOY_BENCH_CACHE ?? 'data/bench-cache';

export interface Listing {
  id: string;
  announced: string;
  title: string;
  categories: string[];
  comment: string | null;
  abstract: string;
}

export interface Reader {
  name: string;
  liked: string[];
  test: string[];
}

/** A reader-day: the day's listing and the reader's own papers in it. */
export interface Case {
  reader: number;
  day: string;
  targets: Set<string>;
}

/** The recsys data set imported (authors removed) and embedded, as the product would hold it. */
export interface Recsys {
  rows: Listing[];
  readers: Reader[];
  byDay: Map<string, string[]>;
  announced: Map<string, string>;
  recommender: Recommender;
}

/** Imports the listings into a throw-away database, embeds them, runs `body`, and removes the database. */
export async function withRecsys(args: string[], body: (r: Recsys) => Promise<void>): Promise<void> {
  const listingFile = path.join(DATA, 'daily-listings-2025-2026.jsonl.gz');
  if (!fs.existsSync(listingFile)) throw new Error(`bench: ${listingFile} is missing (../shared/data/recsys)`);
  const rows: Listing[] = zlib
    .gunzipSync(fs.readFileSync(listingFile))
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const readers: Reader[] = fs
    .readFileSync(path.join(DATA, 'readers-dev.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const [name, liked, test] = l.split('\t');
      return { name, liked: liked.split(','), test: test.split(',') };
    })
    .slice(0, numberArg(args, 'readers', Number.POSITIVE_INFINITY));
  const byDay = new Map<string, string[]>();
  for (const r of rows) byDay.set(r.announced, [...(byDay.get(r.announced) ?? []), r.id]);
  const announced = new Map(rows.map((r) => [r.id, r.announced]));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bench-recommend-'));
  const database = await openDatabase(`sqlite:${path.join(dir, 'bench.db')}`);
  try {
    await migrate(database);
    const store = createPaperStore(database);
    // The listing's categories include a few ACM/MSC strings: only arXiv categories are kept.
    const isCategory = (c: string) => /^[a-z-]+(\.[A-Za-z-]+)?$/.test(c);
    for (let i = 0; i < rows.length; i += 2000) {
      await store.upsertMany(
        rows.slice(i, i + 2000).map((r) =>
          buildPaper({
            id: r.id,
            title: r.title,
            abstract: r.abstract,
            authors: [],
            categories: r.categories.filter(isCategory).length ? r.categories.filter(isCategory) : ['cs.CL'],
            comments: r.comment,
            publishedAt: `${r.announced}T00:00:00.000Z`,
            updatedAt: `${r.announced}T00:00:00.000Z`,
          }),
        ),
      );
    }
    console.error(`recommend: ${rows.length} papers imported without their authors`);
    // The corpus model of these papers, trained once and kept (minutes on 2 cores).
    const stat = fs.statSync(listingFile);
    const modelFile = path.join(CACHE_DIR, `recsys-corpus-${stat.size}.pbem`);
    if (!fs.existsSync(modelFile)) {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      await trainEmbedder(database, dir, {}, modelFile);
    }
    const embedder = corpusEmbedder(await CorpusModel.load(modelFile), modelFile);
    await embedMissing(database, embedder, { threads: os.availableParallelism() });
    const recommender = createRecommender(database, store, () => embedder, { statsPapers: rows.length });
    await body({ rows, readers, byDay, announced, recommender });
  } finally {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Each reader's test days: the day's listing is ranked and the reader's papers of that day are the targets. */
export function readerDays(readers: Reader[], announced: Map<string, string>): Case[] {
  const cases: Case[] = [];
  readers.forEach((reader, k) => {
    const days = new Map<string, Set<string>>();
    for (const id of reader.test) {
      const day = announced.get(id);
      if (!day) continue;
      days.set(day, (days.get(day) ?? new Set()).add(id));
    }
    for (const [day, targets] of days) cases.push({ reader: k, day, targets });
  });
  return cases;
}

export async function benchRecommend(args: string[]): Promise<void> {
  const folds = numberArg(args, 'folds', 5);
  await withRecsys(args, async ({ rows, readers, byDay, announced, recommender }) => {
    // Times, through the product's door: a reader's model from their liked ids, a day ranked, 1,000 papers ranked.
    const fitMs: number[] = [];
    const rankDayMs: number[] = [];
    const rank1000Ms: number[] = [];
    const rank1000CpuMs: number[] = [];
    const allIds = rows.map((r) => r.id);
    const cases = readerDays(readers, announced);
    await recommender.papersFor(allIds); // features of every paper, as a warm process has them
    await recommender.fit([]); // and the vectors' statistics
    for (const [k, reader] of readers.entries()) {
      let t = performance.now();
      const model = await recommender.fit(reader.liked);
      fitMs.push(performance.now() - t);
      for (const c of cases.filter((x) => x.reader === k)) {
        t = performance.now();
        await recommender.rank(model, byDay.get(c.day)!);
        rankDayMs.push(performance.now() - t);
      }
      const sample = Array.from({ length: 1000 }, (_, i) => allIds[(k * 7919 + i * 104_729) % allIds.length]);
      const cpu = process.cpuUsage();
      t = performance.now();
      await recommender.rank(model, sample);
      rank1000Ms.push(performance.now() - t);
      const used = process.cpuUsage(cpu);
      rank1000CpuMs.push((used.user + used.system) / 1000);
    }

    // Cross-validation of the weights: the product's similarities of every reader-day's candidates,
    // standardised as the ranker does (featureColumns), then per fold the weights that score best on the
    // other folds (coordinate ascent on MRR from the product's), scored on the fold through rankForReader.
    const paper = new Map((await recommender.papersFor(allIds)).map((p) => [p.id, p]));
    const models: ReaderModel[] = [];
    for (const r of readers) models.push(await recommender.fit(r.liked));
    const listOf = (c: Case) => byDay.get(c.day)!.flatMap((id) => (paper.has(id) && !models[c.reader].known.has(id) ? [paper.get(id)!] : []));
    const columns = cases.map((c) => {
      const list = listOf(c);
      return { cols: featureColumns(models[c.reader], list), target: Uint8Array.from(list, (p) => (c.targets.has(p.id) ? 1 : 0)) };
    });
    const KEYS = ['vector', 'nearest', 'owners', 'nearText', 'fisher'] as const;
    /** reciprocal rank of case i with the weights, from its columns (every candidate's nearest liked paper) */
    const rrOf = (i: number, w: RankWeights) => {
      const { cols, target } = columns[i];
      const s = (k: number) =>
        w.text * cols.text[k] +
        w.vector * cols.vector[k] +
        w.nearest * cols.nearest[k] +
        w.owners * cols.owners[k] +
        w.nearText * cols.nearText[k] +
        w.fisher * cols.fisher[k];
      let best = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < target.length; k++) if (target[k]) best = Math.max(best, s(k));
      let rank = 1;
      for (let k = 0; k < target.length; k++) if (!target[k] && s(k) > best) rank++;
      return 1 / rank;
    };
    const fitWeights = (train: number[]): RankWeights => {
      const w = { ...RANK_WEIGHTS };
      let best = mean(train.map((i) => rrOf(i, w)));
      for (let round = 0; round < 2; round++)
        for (const key of KEYS) {
          let chosen = w[key];
          for (const x of [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5]) {
            w[key] = x;
            const m = mean(train.map((i) => rrOf(i, w)));
            if (m > best + 1e-9) {
              best = m;
              chosen = x;
            }
          }
          w[key] = chosen;
        }
      return w;
    };
    /** reciprocal rank of case i through the product's ranker */
    const rrProduct = (i: number, w: RankWeights) => {
      const c = cases[i];
      const rank = rankForReader(models[c.reader], listOf(c), w, 0).findIndex((h) => c.targets.has(h.id)) + 1;
      return rank > 0 ? 1 / rank : 0;
    };
    const foldOf = (c: Case) => c.reader % folds;
    const heldOut = new Float64Array(cases.length);
    for (let f = 0; f < folds; f++) {
      const train = cases.map((c, i) => (foldOf(c) !== f ? i : -1)).filter((i) => i >= 0);
      const test = cases.map((c, i) => (foldOf(c) === f ? i : -1)).filter((i) => i >= 0);
      const w = fitWeights(train);
      for (const i of test) heldOut[i] = rrProduct(i, w);
      console.log(
        JSON.stringify({
          fold: f,
          chosen: { vector: w.vector, nearest: w.nearest, owners: w.owners, nearText: w.nearText, fisher: w.fisher },
          trainMrr: round(mean(train.map((i) => rrOf(i, w)))),
          heldOutMrr: round(mean(test.map((i) => heldOut[i]))),
          readerDays: test.length,
        }),
      );
    }
    const all = fitWeights(cases.map((_, i) => i));
    console.log(JSON.stringify({ allReaders: { vector: all.vector, nearest: all.nearest, owners: all.owners, nearText: all.nearText, fisher: all.fisher } }));
    const product = cases.map((_, i) => rrProduct(i, RANK_WEIGHTS));
    const hit10 = (xs: ArrayLike<number>) => mean(Array.from(xs, (x) => (x >= 0.1 ? 1 : 0)));
    console.log(
      JSON.stringify({
        bench: 'recommend',
        readers: readers.length,
        readerDays: cases.length,
        heldOut: { folds, by: 'reader', mrr: round(mean(Array.from(heldOut))), hit10: round(hit10(heldOut)) },
        productDefault: { mrr: round(mean(product)), hit10: round(hit10(product)), idfPower: IDF_POWER, weights: RANK_WEIGHTS },
        fitMs: { p50: pct(fitMs, 50), p99: pct(fitMs, 99) },
        rankDayMs: { p50: pct(rankDayMs, 50), p99: pct(rankDayMs, 99) },
        rank1000Ms: { p50: pct(rank1000Ms, 50), p99: pct(rank1000Ms, 99) },
        rank1000CpuMs: { p50: pct(rank1000CpuMs, 50), p99: pct(rank1000CpuMs, 99) },
        loadAverage: Math.round(os.loadavg()[0] * 10) / 10,
        target: { mrr: 0.35, fitMs: 200, rank1000Ms: 20 },
      }),
    );
  });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const round = (x: number) => Math.round(x * 1000) / 1000;
