// `npm run bench -- recommend [--folds=5] [--readers=N]`: the "For you" ranking on the simulated readers of
// ../shared/data/recsys (its SOURCES.md). The year of daily listings is imported with the authors removed
// (author names would give the answer away) into a throw-away SQLite database, each paper published on
// its announcement day; the corpus model is trained on it and every paper embedded, as `paperboy
// train-embedder` and `embed` do (the model is kept in PAPERBOY_BENCH_CACHE). Then, for each reader of
// readers-dev.tsv, the product's recommender (src/recommend/) is given exactly their liked_ids and ranks
// each test day's whole listing; the rank of the reader's best-placed own paper that day is recorded.
//
// Tuning is by cross-validation over readers: the readers are split into --folds folds; for each fold the
// setting (idf power x vector weight) that scores best on the other folds is chosen and the fold is scored
// with it. Prints JSON lines: one per fold ({fold, chosen, trainMrr, heldOutMrr}), then the summary
// {bench: 'recommend', heldOut: {mrr, hit10}, productDefault: {mrr, hit10, weights}, readerDays, fitMs,
// rankDayMs, rank1000Ms (p50/p99)}. Baselines on the same readers (SOURCES.md): random 0.046, tf-idf
// centroid 0.278, arxiv-sanity-lite 0.289 MRR. Target: MRR >= 0.35, fit <= 200 ms, rank 1,000 <= 20 ms p99.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { buildPaper } from '../src/papers/paper.js';
import { createPaperStore } from '../src/papers/store.js';
import { IDF_POWER, TermStats, termCounts, weigh } from '../src/recommend/features.js';
import { RANK_WEIGHTS, type RankPaper, type RankWeights, fitReader, rankForReader } from '../src/recommend/ranker.js';
import { createRecommender } from '../src/recommend/recommender.js';
import { CorpusModel } from '../src/search/corpus-model/model.js';
import { corpusEmbedder } from '../src/search/embedders/embedder.js';
import { embedMissing, trainEmbedder } from '../src/search/embed-train.js';
import { openDatabase } from '../src/storage/database.js';
import { migrate } from '../src/storage/migrate.js';
import { numberArg, pct } from './metrics.js';

const DATA = path.resolve('../shared/data/recsys');
const CACHE_DIR = process.env.PAPERBOY_BENCH_CACHE ?? 'data/bench-cache';
const IDF_POWERS = [1.5, 2, 2.5, 3];
const VECTOR_WEIGHTS = [0, 0.5, 1, 1.5, 2, 3, 4];

interface Listing {
  id: string;
  announced: string;
  title: string;
  categories: string[];
  comment: string | null;
  abstract: string;
}

interface Reader {
  name: string;
  liked: string[];
  test: string[];
}

/** A reader-day: the day's listing and the reader's own papers in it. */
interface Case {
  reader: number;
  day: string;
  targets: Set<string>;
}

export async function benchRecommend(args: string[]): Promise<void> {
  const folds = numberArg(args, 'folds', 5);
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

    // Times, through the product's door: a reader's model from their liked ids, a day ranked, 1,000 papers ranked.
    const fitMs: number[] = [];
    const rankDayMs: number[] = [];
    const rank1000Ms: number[] = [];
    const allIds = rows.map((r) => r.id);
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
    await recommender.papersFor(allIds); // features of every paper, as a warm process has them
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
      t = performance.now();
      await recommender.rank(model, sample);
      rank1000Ms.push(performance.now() - t);
    }

    // The settings grid: text vectors per idf power (the counts once), then every reader-day scored per setting.
    const stats = new TermStats();
    const counts = new Map(rows.map((r) => [r.id, termCounts({ title: r.title, abstract: r.abstract, comments: r.comment })]));
    for (const c of counts.values()) stats.add(c);
    const vectors = new Map((await recommender.papersFor(allIds)).map((p) => [p.id, p.vector]));
    const title = new Map(rows.map((r) => [r.id, r.title]));
    const settings = IDF_POWERS.flatMap((power) => VECTOR_WEIGHTS.map((vector) => ({ power, weights: { ...RANK_WEIGHTS, vector } as RankWeights })));
    const papersAt = new Map<number, Map<string, RankPaper>>();
    for (const power of IDF_POWERS) {
      papersAt.set(
        power,
        new Map(
          rows.map((r) => [r.id, { id: r.id, title: title.get(r.id)!, text: weigh(counts.get(r.id)!, stats, power), vector: vectors.get(r.id) ?? null }]),
        ),
      );
    }
    /** reciprocal rank of each case under each setting */
    const rr = settings.map(({ power, weights }) => {
      const paper = papersAt.get(power)!;
      const out = new Float64Array(cases.length);
      const models = new Map<number, ReturnType<typeof fitReader>>();
      cases.forEach((c, i) => {
        let m = models.get(c.reader);
        if (!m)
          models.set(
            c.reader,
            (m = fitReader(
              readers[c.reader].liked.flatMap((id) => (paper.has(id) ? [paper.get(id)!] : [])),
              [],
              weights,
            )),
          );
        const ranked = rankForReader(
          m,
          byDay.get(c.day)!.map((id) => paper.get(id)!),
          weights,
          0,
        );
        const rank = ranked.findIndex((h) => c.targets.has(h.id)) + 1;
        out[i] = rank > 0 ? 1 / rank : 0;
      });
      return out;
    });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const foldOf = (c: Case) => c.reader % folds;
    const heldOut = new Float64Array(cases.length);
    for (let f = 0; f < folds; f++) {
      const train = cases.map((c, i) => (foldOf(c) !== f ? i : -1)).filter((i) => i >= 0);
      const test = cases.map((c, i) => (foldOf(c) === f ? i : -1)).filter((i) => i >= 0);
      let best = 0;
      for (let s = 1; s < settings.length; s++) if (mean(train.map((i) => rr[s][i])) > mean(train.map((i) => rr[best][i]))) best = s;
      for (const i of test) heldOut[i] = rr[best][i];
      console.log(
        JSON.stringify({
          fold: f,
          chosen: { idfPower: settings[best].power, vector: settings[best].weights.vector },
          trainMrr: round(mean(train.map((i) => rr[best][i]))),
          heldOutMrr: round(mean(test.map((i) => rr[best][i]))),
          readerDays: test.length,
        }),
      );
    }
    const product = settings.findIndex((s) => s.power === IDF_POWER && s.weights.vector === RANK_WEIGHTS.vector);
    const hit10 = (xs: ArrayLike<number>) => mean(Array.from(xs, (x) => (x >= 0.1 ? 1 : 0)));
    console.log(
      JSON.stringify({
        bench: 'recommend',
        readers: readers.length,
        readerDays: cases.length,
        heldOut: { mrr: round(mean(Array.from(heldOut))), hit10: round(hit10(heldOut)) },
        productDefault:
          product >= 0 ? { mrr: round(mean(Array.from(rr[product]))), hit10: round(hit10(rr[product])), idfPower: IDF_POWER, weights: RANK_WEIGHTS } : null,
        fitMs: { p50: pct(fitMs, 50), p99: pct(fitMs, 99) },
        rankDayMs: { p50: pct(rankDayMs, 50), p99: pct(rankDayMs, 99) },
        rank1000Ms: { p50: pct(rank1000Ms, 50), p99: pct(rank1000Ms, 99) },
        target: { mrr: 0.35, fitMs: 200, rank1000Ms: 20 },
      }),
    );
  } finally {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;
