import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPaper } from '../src/papers/paper.js';
import { CorpusModel } from '../src/search/corpus-model/model.js';
import { DEFAULT_TRAIN_OPTIONS } from '../src/search/corpus-model/training.js';
import { corpusEmbedder } from '../src/search/embedders/embedder.js';
import { createSearchService } from '../src/search/service.js';
import { startSearchThreads } from '../src/search/threads/pool.js';
import { createPaperStore } from '../src/papers/store.js';
import { createLexicalIndex } from '../src/search/lexical/index.js';
import { sentences } from '../src/search/lexical/tokenize.js';
import { copyNewVectors } from '../src/search/vectors/vector-copy-postgres.js';
import { rng } from '../src/search/vectors/vector-math.js';
import { openDatabase } from '../src/storage/database.js';
import { migrate } from '../src/storage/migrate.js';
import { startPgCluster } from '../src/testing/pg-cluster.js';
import { numberArg, pct } from './metrics.js';
import { benchQueries, syntheticPapers } from './search.js';
import { cachedModelFile } from './search-quality.js';
import type { JoinJob } from './search-postgres-join.js';
import { loadRealRecords } from './synthetic.js';

// `npm run bench -- search --database=postgres [--papers=N] [--queries=N] [--fallback-queries=N] [--hybrid]`:
// lexical search latency on PostgreSQL over the search bench's corpus and queries (bench/search.ts),
// against a throw-away cluster it starts (as bench/soak.ts does): the tsvector fallback
// (ts_rank_cd, what answered before the memory index) and the app's lexical index (the change
// feed's in-memory bm25 index, lexical/feed-index.ts), with its build from the papers table, its
// save, and a second process's load and catch-up; with --hybrid, the search service's hybrid search
// too (the cached paraphrase-dev corpus model; each batch of papers is embedded in this process as
// it is written, as the SQLite run does, and its vectors written with one binary COPY), as a web
// process serves it (search threads, `--search-threads=N`, default one per core), timed once its IVF
// index is built (as the SQLite run times it), then a second process's join (vectors read from
// PostgreSQL, the saved IVF index loaded) and its own timing. One JSON line each, as the SQLite run prints.

export async function benchSearchPostgres(args: string[]): Promise<void> {
  const N = numberArg(args, 'papers', 200_000);
  const Q = numberArg(args, 'queries', 1000);
  const QF = numberArg(args, 'fallback-queries', 60);
  const real = (await loadRealRecords()).filter((r) => r.abstract && r.title);
  const rand = rng(42);
  const cluster = await startPgCluster();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bench-search-pg-'));
  const database = await openDatabase(cluster.url);
  const hybrid = args.includes('--hybrid');
  const cached = cachedModelFile('paraphrase-dev', 45_904, DEFAULT_TRAIN_OPTIONS);
  if (hybrid && !fs.existsSync(cached))
    throw new Error(`bench: --hybrid needs the cached model ${cached} (run search-quality once, or set PAPERBOY_BENCH_CACHE)`);
  const model = hybrid ? await CorpusModel.load(cached) : null;
  try {
    await migrate(database);
    const store = createPaperStore(database);
    const sents = real.map((r) => sentences(r.abstract));
    const t0 = Date.now();
    // With --hybrid, each batch is embedded here and its vectors copied in (COPY ... FROM STDIN,
    // binary) right after the papers, timed apart (embed_s): embedding 1M papers through the app's
    // backfill (paged reads, one INSERT per 64 vectors) took most of an hour.
    let embedMs = 0;
    for (let start = 0; start < N; start += 5000) {
      const rows = syntheticPapers(real, sents, rand, start, Math.min(N, start + 5000));
      const a = start % real.length;
      const papers = rows.map(([id, title, abstract, authors], j) =>
        buildPaper({ id, title, abstract, authors: authors.split(', '), categories: real[(a + j) % real.length].categories.slice(0, 3) }),
      );
      await store.upsertMany(papers);
      if (model && database.pg) {
        const e0 = performance.now();
        const vectors = new Float32Array(papers.length * model.dim);
        const dim = model.dim;
        const withVectors = papers.map((p, j) => {
          model.embedPaper(p.title, p.abstract, vectors, j * dim);
          return { id: p.id, vector: vectors.subarray(j * dim, (j + 1) * dim) };
        });
        await copyNewVectors(database.pg, model, withVectors);
        embedMs += performance.now() - e0;
      }
      process.stderr.write(`\rbench search postgres: ${Math.min(N, start + 5000)} / ${N} papers`);
    }
    process.stderr.write('\n');
    const loadS = (Date.now() - t0 - embedMs) / 1000;
    const embedS = Math.round(embedMs / 100) / 10;
    const queries = benchQueries(real, rand, N, Q);
    const line = (o: Record<string, unknown>) => console.log(JSON.stringify({ benchmark: 'search', database: 'postgres', papers: N, ...o }));
    const latency = async (lex: ReturnType<typeof createLexicalIndex>, qs: typeof queries) => {
      const ms: number[] = [];
      for (const q of qs) {
        const s = performance.now();
        await lex.search(q.text, { limit: 10 });
        ms.push(performance.now() - s);
      }
      return { queries: qs.length, p50_ms: pct(ms, 50), p90_ms: pct(ms, 90), p99_ms: pct(ms, 99), max_ms: pct(ms, 100) };
    };

    // Before: tsvector ranked by ts_rank_cd (a sample of the queries: seconds each at 200k).
    const fallback = createLexicalIndex(database, { accelerate: false });
    line({ mode: 'lexical', engine: 'tsvector', load_s: loadS, ...(await latency(fallback, queries.slice(0, QF))) });

    // After: the memory index, built from the papers table, saved, then answering.
    const file = path.join(dir, 'lexical.bm25');
    const b0 = Date.now();
    const lex = createLexicalIndex(database, { memoryIndexPath: file });
    await lex.search('warm up', { limit: 1 });
    await lex.settled();
    if (lex.building?.()) throw new Error('bench: the memory index did not load');
    const buildS = (Date.now() - b0) / 1000;
    // A second process: loads the saved file and catches up instead of building.
    const l0 = Date.now();
    const second = createLexicalIndex(database, { memoryIndexPath: file });
    await second.search('warm up', { limit: 1 });
    await second.settled();
    const loadIndexS = (Date.now() - l0) / 1000;
    line({
      mode: 'lexical',
      engine: 'memory',
      index_build_s: buildS,
      index_load_s: loadIndexS,
      index_file_mb: Math.round(fs.statSync(file).size / 1048576),
      rss_mb: Math.round(process.memoryUsage().rss / 1048576),
      ...(await latency(lex, queries)),
    });
    // The same sample the fallback answered, for a like-for-like comparison.
    line({ mode: 'lexical', engine: 'memory', sample: 'fallback-queries', ...(await latency(lex, queries.slice(0, QF))) });
    if (model) {
      const embedder = corpusEmbedder(model);
      // As a web process runs it (main.ts): search threads (SEARCH_THREADS=auto: one per core) and the
      // IVF index saved beside the data.
      const threadCount = numberArg(args, 'search-threads', os.availableParallelism());
      const threads = threadCount > 0 ? startSearchThreads(threadCount) : null;
      const vectorIndexPath = path.join(dir, 'vectors.ivf');
      let peakRss = 0;
      const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
      const search = createSearchService({ database, papers: store, embedder, threads, lexicalIndexPath: file, vectorIndexPath, readyCheckMs: 0 });
      const w0 = Date.now();
      while ((await search.search({ q: 'warm up', limit: 10 })).mode !== 'hybrid' || search.lexicalIndexBuilding?.()) {
        if (Date.now() - w0 > 600_000) throw new Error('bench: hybrid search did not get ready in 10 minutes');
        await new Promise((r) => setTimeout(r, 200));
      }
      const readyS = (Date.now() - w0) / 1000;
      // Timed with the IVF index built, as the SQLite run times it: until then (minutes at 1M, on a
      // thread) every search scans all vectors. A restarted process loads it instead (below).
      await search.vectorsSettled?.();
      const annS = (Date.now() - w0) / 1000 - readyS;
      const timed = async (s: typeof search) => {
        const ms: number[] = [];
        let lexicalOnly = 0;
        for (const q of queries) {
          const s0 = performance.now();
          if ((await s.search({ q: q.text, limit: 10 })).mode !== 'hybrid') lexicalOnly++;
          ms.push(performance.now() - s0);
        }
        return { queries: ms.length, lexical_only: lexicalOnly, p50_ms: pct(ms, 50), p90_ms: pct(ms, 90), p99_ms: pct(ms, 99), max_ms: pct(ms, 100) };
      };
      const result = await timed(search);
      line({
        mode: 'hybrid',
        embed_s: embedS,
        ready_s: readyS,
        ann_build_s: Math.round(annS * 10) / 10,
        search_threads: threadCount,
        ...result,
        rss_mb: Math.round(process.memoryUsage().rss / 1048576),
        peak_rss_mb: Math.round(peakRss / 1048576),
        load_average: os.loadavg().map((l) => Math.round(l * 10) / 10),
      });
      clearInterval(rssTimer);
      // A second web process joining, in a process of its own (bench/search-postgres-join.ts), so
      // that its memory is a web process's alone: loads the saved lexical and IVF files, reads its
      // vectors from PostgreSQL (one COPY), catches up and answers the same queries.
      const queriesFile = path.join(dir, 'queries.json');
      fs.writeFileSync(queriesFile, JSON.stringify(queries.map((q) => q.text)));
      const job: JoinJob = { url: cluster.url, modelFile: cached, lexicalIndexPath: file, vectorIndexPath, queriesFile, threads: threadCount };
      const child = fork(fileURLToPath(new URL('./search-postgres-join.js', import.meta.url)), [JSON.stringify(job)], { stdio: 'inherit' });
      const joined = await new Promise<Record<string, unknown>>((resolve, reject) => {
        child.once('message', (m) => resolve(m as Record<string, unknown>));
        child.once('exit', (code) => reject(new Error(`bench: the joining process exited with ${code}`)));
      });
      line({ mode: 'hybrid', process: 'second', ...joined, load_average: os.loadavg().map((l) => Math.round(l * 10) / 10) });
      await threads?.close();
    }
  } finally {
    await database.close();
    cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // The memory index's worker threads and timers do not keep the process up; the bench is done.
  process.exit(0);
}
