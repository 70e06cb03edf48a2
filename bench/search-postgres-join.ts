import fs from 'node:fs';
import { CorpusModel } from '../src/search/corpus-model/model.js';
import { corpusEmbedder } from '../src/search/embedders/embedder.js';
import { createSearchService } from '../src/search/service.js';
import { startSearchThreads } from '../src/search/threads/pool.js';
import { VectorCache } from '../src/search/vectors/vector-store.js';
import { createPaperStore } from '../src/papers/store.js';
import { openDatabase } from '../src/storage/database.js';
import { pct } from './metrics.js';

// The search-postgres bench's second web process (bench/search-postgres.ts --hybrid), in a process
// of its own so that its memory is a web process's and nothing else's (the bench process also holds
// the lexical part's two copies of the lexical index and the first process's search service): it
// joins as `paperboy serve` does (the saved lexical and IVF files, its vectors read from
// PostgreSQL), times the bench's queries, and sends one result object to its parent. Then, apart
// from that, it times a first read of the vectors alone both ways (the COPY a joining process uses
// and the paged SELECTs before it).

export interface JoinJob {
  url: string;
  modelFile: string;
  lexicalIndexPath: string;
  vectorIndexPath: string;
  queriesFile: string;
  threads: number;
}

const mb = (bytes: number) => Math.round(bytes / 1048576);

async function join(job: JoinJob): Promise<Record<string, unknown>> {
  let peakRss = 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const database = await openDatabase(job.url);
  const embedder = corpusEmbedder(await CorpusModel.load(job.modelFile));
  const queries = JSON.parse(fs.readFileSync(job.queriesFile, 'utf8')) as string[];
  const threads = job.threads > 0 ? startSearchThreads(job.threads) : null;
  const j0 = Date.now();
  const search = createSearchService({
    database,
    papers: createPaperStore(database),
    embedder,
    threads,
    lexicalIndexPath: job.lexicalIndexPath,
    vectorIndexPath: job.vectorIndexPath,
    readyCheckMs: 0,
  });
  while ((await search.search({ q: 'warm up', limit: 10 })).mode !== 'hybrid' || search.lexicalIndexBuilding?.()) {
    await new Promise((r) => setTimeout(r, 200));
  }
  await search.vectorsSettled?.();
  const joinS = (Date.now() - j0) / 1000;
  const ms: number[] = [];
  let lexicalOnly = 0;
  for (const q of queries) {
    const s0 = performance.now();
    if ((await search.search({ q, limit: 10 })).mode !== 'hybrid') lexicalOnly++;
    ms.push(performance.now() - s0);
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  clearInterval(rssTimer);
  const m = process.memoryUsage();
  const result: Record<string, unknown> = {
    join_s: joinS,
    queries: ms.length,
    lexical_only: lexicalOnly,
    p50_ms: pct(ms, 50),
    p90_ms: pct(ms, 90),
    p99_ms: pct(ms, 99),
    max_ms: pct(ms, 100),
    rss_mb: mb(m.rss),
    peak_rss_mb: mb(peakRss),
    heap_used_mb: mb(m.heapUsed),
    array_buffers_mb: mb(m.arrayBuffers),
    external_mb: mb(m.external),
  };
  // The first read of the vectors alone, each way (no IVF: the limit is above any count).
  for (const [name, bulk] of [
    ['vectors_copy_s', true],
    ['vectors_paged_s', false],
  ] as const) {
    const r0 = Date.now();
    await new VectorCache(database, embedder, 0, null, Number.MAX_SAFE_INTEGER, undefined, bulk).refresh(true);
    result[name] = (Date.now() - r0) / 1000;
  }
  await threads?.close();
  await database.close();
  return result;
}

const job = JSON.parse(process.argv[2] ?? 'null') as JoinJob | null;
if (job) {
  join(job).then(
    (r) => {
      process.send?.(r);
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
