import fs from 'node:fs';
import path from 'node:path';
import type { RowHit } from '../src/search/lexical/bm25/formula.js';
import { MemoryBm25Index } from '../src/search/lexical/bm25/memory-index.js';
import { unicode61Tokens } from '../src/search/lexical/bm25/fts5-tokens.js';
import { parseQuery, queryArxivId, titleKey } from '../src/search/lexical/query.js';
import { OVER_STEMMED, rowsMissing } from '../src/search/lexical/sqlite-fts5.js';
import { DEFAULT_COLUMN_WEIGHTS } from '../src/search/lexical/types.js';
import { sentences } from '../src/search/lexical/tokenize.js';
import { rng } from '../src/search/vectors/vector-math.js';
import { benchQueries, syntheticPapers } from './search.js';
import { loadRealRecords } from './synthetic.js';
import { numberArg, pct } from './metrics.js';

// `npm run bench -- lexical-latency [--papers=N] [--queries=N] [--rounds=R] [--rebuild] [--one-thread]`: the in-memory bm25
// index's part of lexical search (what SqliteLexicalIndex.search runs on it: title-key lookup, the
// stemmed top-k and the exact top-k of the over-stemmed words on two threads, the rows' scores in the
// other table) over the search bench's corpus and queries, without the SQLite database
// (whose 1M build takes 11 minutes). The index is built from the papers directly and kept in
// data/bench-cache. (That the pruning returns exactly what scoring every row returns is tested in
// src/search/lexical/bm25/memory-index.test.ts.)

/** SqliteLexicalIndex.search's work on the memory index for `query` (limit: the caller's, 100 for hybrid). */
async function memoryQuery(index: MemoryBm25Index, query: string, limit: number, oneThread: boolean): Promise<RowHit[][]> {
  const parsed = parseQuery(query);
  const id = queryArxivId(query);
  const allWords = [...parsed.phrases.flat(), ...parsed.terms];
  let titleRows: number[] = [];
  if (!id && allWords.length > 0 && query.length <= 400) {
    // The rows with the title by its two hashes, and their ids (no SQL; see rowsWithTitle).
    titleRows = index.rowsWithTitle(titleKey(query)) ?? index.rowsWithTitleKey(titleKey(query));
    for (const r of titleRows) index.idOf(r);
  }
  const tokens = parsed.terms.map(unicode61Tokens);
  const plain = parsed.phrases.length === 0 && tokens.every((t) => t.length === 1);
  if (!plain || parsed.terms.length === 0) return [];
  const terms = tokens.map((t) => t[0]);
  const n = limit + titleRows.length;
  // As SqliteLexicalIndex.search: the stemmed search and the exact one of the over-stemmed words,
  // each split between this thread and the worker (--one-thread: all here, as searchSync).
  const over = index.overStemmed(terms, OVER_STEMMED);
  const searches = [{ terms, exact: false }, ...(over.length ? [{ terms: over, exact: true }] : [])];
  const [stemmed, exact = []] = oneThread
    ? searches.map((q) => index.search(q.terms, DEFAULT_COLUMN_WEIGHTS, n, q.exact))
    : await index.searchSplit(searches, DEFAULT_COLUMN_WEIGHTS, n);
  // As SqliteLexicalIndex.finish: the exact rows' stemmed scores, and every row's exact score.
  const have = new Set(stemmed.map((h) => h.rowid));
  const missing = rowsMissing(have, exact);
  index.scoreRows(terms, DEFAULT_COLUMN_WEIGHTS, missing, false);
  index.scoreRows(
    terms,
    DEFAULT_COLUMN_WEIGHTS,
    [...have, ...missing].sort((a, b) => a - b),
    true,
  );
  // The paper ids of the rows (the memory index keeps them when built by SqliteLexicalIndex).
  for (const r of have) index.idOf(r);
  for (const r of missing) index.idOf(r);
  return [stemmed, exact];
}

export async function benchLexicalLatency(args: string[]): Promise<void> {
  const N = numberArg(args, 'papers', 1_000_000);
  const Q = numberArg(args, 'queries', 1000);
  const rounds = numberArg(args, 'rounds', 1);
  const real = (await loadRealRecords()).filter((r) => r.abstract && r.title);
  const rand = rng(42);
  const sents = real.map((r) => sentences(r.abstract));
  const file = path.join('data/bench-cache', `lexical-memory-${N}.pbbm`);
  const key = `bench-lexical:${N}:${real.length}`;
  let peakRss = 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  const t0 = Date.now();
  let index = args.includes('--rebuild') ? null : await MemoryBm25Index.load(file, key);
  const loaded = index !== null;
  const CHUNK = 10_000;
  for (let start = 0; start < N; start += CHUNK) {
    const rows = syntheticPapers(real, sents, rand, start, Math.min(N, start + CHUNK));
    if (loaded) continue;
    index ??= new MemoryBm25Index();
    index.addAll(rows.map((r, j) => ({ rowid: start + j + 1, title: r[1], abstract: r[2], authors: r[3] })));
  }
  if (!index) throw new Error('bench: no papers');
  // Bytes the posting buffers hold before trim (growth slack included): the build's peak.
  const allocated = [index.stemmed, index.exact].reduce((n, p) => n + p.bufs.reduce((m, b) => m + b.length, 0), 0);
  if (!loaded) {
    index.trim();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await index.save(file, key);
  }
  const buildS = (Date.now() - t0) / 1000;
  const queries = benchQueries(real, rand, N, Q);
  (globalThis as { gc?: () => void }).gc?.();
  const oneThread = args.includes('--one-thread');
  for (const q of queries.slice(0, 20)) await memoryQuery(index, q.text, 100, oneThread);
  const byKind = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const q of queries) {
      const t = performance.now();
      await memoryQuery(index, q.text, 100, oneThread);
      const ms = performance.now() - t;
      for (const k of [q.kind, 'all']) {
        if (!byKind.has(k)) byKind.set(k, []);
        byKind.get(k)!.push(ms);
      }
    }
  }
  for (const [kind, ts] of byKind)
    console.log(
      JSON.stringify({
        benchmark: 'lexical-latency',
        papers: N,
        threads: oneThread ? 1 : 2,
        kind,
        queries: ts.length,
        p50_ms: pct(ts, 50),
        p99_ms: pct(ts, 99),
        max_ms: pct(ts, 100),
      }),
    );
  console.log(
    JSON.stringify({
      benchmark: 'lexical-latency',
      papers: N,
      index: loaded ? 'loaded' : 'built',
      index_s: Math.round(buildS * 10) / 10,
      memory_index_mb: Math.round(index.bytes / 1048576),
      postings_before_trim_mb: Math.round(allocated / 1048576),
      rss_mb: Math.round(process.memoryUsage().rss / 1048576),
      peak_rss_mb: Math.round(Math.max(peakRss, process.memoryUsage().rss) / 1048576),
    }),
  );
  clearInterval(rssTimer);
  index.stemmer.close();
  await index.closeWorker();
}
