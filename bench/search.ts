import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CorpusModel } from '../src/search/corpus-model/model.js';
import { DEFAULT_TRAIN_OPTIONS } from '../src/search/corpus-model/training.js';
import { trainCorpusModelOnThreads } from '../src/search/corpus-model/train-worker.js';
import { cachedModelFile } from './search-quality.js';
import { numberArg, pct } from './metrics.js';

/** papers in arxiver-cs-2025, the corpus the paraphrase-dev model is trained on */
const PARAPHRASE_DEV_DOCS = 45_904;
import { SqliteLexicalIndex, createStandaloneSchema } from '../src/search/lexical/sqlite-fts5.js';
import { EXACT_SCAN_LIMIT, IvfVectorIndex } from '../src/search/vectors/ivf-index.js';
import { ExactVectorIndex } from '../src/search/vectors/vector-index.js';
import { DEFAULT_FUSION, type ScoredId, hybridRank, softRerank, type VectorSide } from '../src/search/fusion.js';
import { sentences } from '../src/search/lexical/tokenize.js';
import { rng } from '../src/search/vectors/vector-math.js';
import { type SourceRecord, loadRealRecords, syntheticId } from './synthetic.js';

// `npm run bench -- search [--papers N] [--queries N]`: latency of lexical, vector and hybrid search
// over N papers made from real records (re-numbered ids, sentences recombined across records), with
// vectors from the real corpus embedder. Not part of `npm test`.

/** Papers start..end-1 of the bench corpus as (arxiv id, title, abstract, authors); one rand() per paper. */
export function syntheticPapers(real: SourceRecord[], sents: string[][], rand: () => number, start: number, end: number): [string, string, string, string][] {
  const rows: [string, string, string, string][] = [];
  for (let i = start; i < end; i++) {
    const a = i % real.length;
    const b = Math.floor(rand() * real.length);
    // Recombine: the first half of one abstract with the second half of another.
    const sa = sents[a];
    const sb = sents[b];
    const abstract =
      i < real.length ? real[a].abstract : [...sa.slice(0, Math.ceil(sa.length / 2)), ...sb.slice(Math.ceil(sb.length / 2))].join(' ') || real[a].abstract;
    rows.push([syntheticId(i), real[a].title, abstract, real[a].authors.join(', ')]);
  }
  return rows;
}

export interface BenchQuery {
  kind: string;
  text: string;
}

/**
 * The bench's Q queries over N papers: the hand-written paraphrase queries, then a mix of what
 * people type: short keyword queries, natural-language descriptions (a run of words from an
 * abstract), title fragments, whole titles (the exact-title path) and arXiv ids.
 */
export function benchQueries(real: SourceRecord[], rand: () => number, N: number, Q: number): BenchQuery[] {
  const para = fs
    .readFileSync(path.join(process.env.PAPERBOY_SHARED_DATA ?? '/work/shared/data', 'retrieval/paraphrase-dev/queries.tsv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => l.split('\t')[1]);
  const queries: BenchQuery[] = para.map((text) => ({ kind: 'paraphrase', text }));
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  while (queries.length < Q) {
    const r = pick(real);
    const u = rand();
    if (u < 0.3) {
      const ws = r.abstract.split(/\s+/).filter((w) => w.length > 4);
      queries.push({ kind: 'keywords', text: Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(ws)).join(' ') });
    } else if (u < 0.55) {
      const ws = (pick(sentences(r.abstract)) ?? r.abstract).split(/\s+/);
      const k = 6 + Math.floor(rand() * 10);
      const at = Math.floor(rand() * Math.max(1, ws.length - k));
      queries.push({ kind: 'description', text: ws.slice(at, at + k).join(' ') });
    } else if (u < 0.8) {
      const w = r.title.split(/\s+/);
      queries.push({ kind: 'title-words', text: w.slice(0, 2 + Math.floor(rand() * 5)).join(' ') });
    } else if (u < 0.95) {
      queries.push({ kind: 'title', text: r.title });
    } else {
      queries.push({ kind: 'arxiv-id', text: syntheticId(Math.floor(rand() * N)) });
    }
  }
  queries.length = Q;
  return queries;
}

let peakRss = 0;
/** Peak RSS per phase of the run, to show which phase sets the peak. */
const peakByPhase: Record<string, number> = {};
let phase = 'database';
const sampleRss = () => {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  peakByPhase[phase] = Math.max(peakByPhase[phase] ?? 0, Math.round(rss / 1048576));
};

export async function benchSearch(args: string[]): Promise<void> {
  const N = numberArg(args, 'papers', 1_000_000);
  const Q = numberArg(args, 'queries', 1000);
  const rssTimer = setInterval(sampleRss, 200);
  const real = (await loadRealRecords()).filter((r) => r.abstract && r.title);
  const rand = rng(42);

  // The embedder: the default model trained by search-quality on arxiver-cs-2025 when cached, else a
  // fresh one on 20k of the real records.
  const cached = cachedModelFile('paraphrase-dev', PARAPHRASE_DEV_DOCS, DEFAULT_TRAIN_OPTIONS);
  let model: CorpusModel;
  if (fs.existsSync(cached)) model = await CorpusModel.load(cached);
  else model = (await trainCorpusModelOnThreads(real.slice(0, 20_000).map((r) => ({ title: r.title, abstract: r.abstract })))).model;
  process.stderr.write(`bench search: embedder ${model.name}@${model.version}\n`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bench-search-'));
  // --db=FILE keeps the papers database between runs (building it is most of the run at 1M).
  const dbFile = args.find((a) => a.startsWith('--db='))?.slice(5) ?? path.join(dir, 'bench.db');
  try {
    const db = new Database(dbFile);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    createStandaloneSchema(db);
    const ins = db.prepare('INSERT INTO papers (arxiv_id, title, abstract, authors) VALUES (?, ?, ?, ?)');
    const have = (db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
    if (have !== 0 && have !== N) throw new Error(`bench: ${dbFile} holds ${have} papers, not ${N}`);
    const sents = real.map((r) => sentences(r.abstract));
    const dim = model.dim;
    const vectors = new Float32Array(N * dim);
    let embedMs = 0;
    const t0 = Date.now();
    const CHUNK = 10_000;
    for (let start = 0; start < N; start += CHUNK) {
      const rows = syntheticPapers(real, sents, rand, start, Math.min(N, start + CHUNK));
      if (have === 0)
        db.transaction(() => {
          for (const r of rows) ins.run(...r);
        })();
      const e0 = performance.now();
      rows.forEach((r, j) => model.embedPaper(r[1], r[2], vectors, (start + j) * dim));
      embedMs += performance.now() - e0;
      sampleRss();
    }
    const lexicalBuildS = (Date.now() - t0 - embedMs) / 1000;
    phase = 'ivf';
    const a0 = Date.now();
    // The app's rule (VectorCache): IVF from EXACT_SCAN_LIMIT vectors, an exact scan below.
    const ivf = N >= EXACT_SCAN_LIMIT || args.includes('--ivf') ? IvfVectorIndex.build(dim, vectors) : null;
    const annBuildS = (Date.now() - a0) / 1000;
    // Recall of the IVF index against the exact scan, on real papers' titles as queries.
    let ivfRecall10: number | undefined;
    if (ivf) {
      const full = new ExactVectorIndex(dim, vectors);
      let hit = 0;
      for (let i = 0; i < 50; i++) {
        const qv = model.embed(real[(i * 977) % real.length].title);
        const want = new Set(full.search(qv, 10).map((h) => h.index));
        hit += ivf.search(qv, 10).filter((h) => want.has(h.index)).length;
      }
      ivfRecall10 = hit / 500;
    }
    // As the app does (VectorCache.adopt): move the vectors into list order, so probes scan
    // contiguous runs; `moved[row]` is the paper a row now holds, `where` the inverse.
    const moved = ivf?.compact();
    const where = new Int32Array(moved?.length ?? 0);
    if (moved) for (let row = 0; row < moved.length; row++) where[moved[row]] = row;
    const rowNow = (original: number) => (moved ? where[original] : original);
    const paperAt = (row: number) => (moved ? moved[row] : row);
    sampleRss();
    // The app's lexical index (createLexicalIndex uses this class): FTS5 plus the in-memory bm25 index.
    const lex = new SqliteLexicalIndex(db);
    phase = 'memory-index';
    const m0 = Date.now();
    const useMemory = !args.includes('--fts5-only');
    const memory = useMemory ? await lex.buildMemoryIndex() : null;
    const memoryBuildS = (Date.now() - m0) / 1000;
    sampleRss();
    lex.accelerate(memory);
    phase = 'queries';

    const queries = benchQueries(real, rand, N, Q);
    const exact = ivf ? null : new ExactVectorIndex(dim, vectors);
    const vsearch = (q: Float32Array, k: number) => (ivf ? ivf.search(q, k) : exact!.search(q, k));
    const vscore = (q: Float32Array, row: number) => (ivf ? ivf.score(q, row) : exact!.score(q, row));
    const rowOf = (id: string) => {
      // syntheticId is a bijection for i < 90000 * 12 * 79; invert it.
      const [ym, num] = id.split('.');
      const month = (Number(ym.slice(0, 2)) - 21) * 12 + Number(ym.slice(2)) - 1;
      return month * 90000 + Number(num) - 10000;
    };
    const side: VectorSide = {
      search: (q, k) => vsearch(q, k).map((h) => ({ id: syntheticId(paperAt(h.index)), score: h.score })),
      score: (q, id) => vscore(q, rowNow(rowOf(id))),
      vectorOf: (id) => {
        const row = rowNow(rowOf(id));
        return vectors.subarray(row * dim, (row + 1) * dim);
      },
    };
    // As the service does: the soft word match re-orders the top of the fused list, with the papers'
    // title and abstract read from the database.
    const readText = db.prepare('SELECT arxiv_id AS id, title, abstract FROM papers WHERE arxiv_id IN (SELECT value FROM json_each(?))');
    const texts = (ids: string[]) => new Map((readText.all(JSON.stringify(ids)) as { id: string; title: string; abstract: string }[]).map((r) => [r.id, r]));
    const served = (fused: ScoredId[], q: string) => softRerank(fused, q, model, texts, DEFAULT_FUSION);
    const times = { lexical: [] as number[], vector: [] as number[], hybrid: [] as number[] };
    // The same hybrid search without the soft word match, timed next to it, for what the match costs.
    const withoutSoft: number[] = [];
    const byKind = new Map<string, number[]>();
    // --one-thread-too: each query also timed with the lexical searches on one thread, for comparison
    const oneThread = args.includes('--one-thread-too') ? { lexical: [] as number[], hybrid: [] as number[] } : null;
    // The served path: SqliteLexicalIndex.search splits each of its searches between two threads.
    for (const q of queries.slice(0, 20)) await lex.search(q.text, { limit: 100 }); // warm-up
    for (const { kind, text: q } of queries) {
      let s = performance.now();
      await lex.search(q, { limit: 100 });
      const t = performance.now() - s;
      times.lexical.push(t);
      if (!byKind.has(kind)) byKind.set(kind, []);
      byKind.get(kind)!.push(t);
      s = performance.now();
      const qv = model.embed(q);
      vsearch(qv, 100);
      times.vector.push(performance.now() - s);
      s = performance.now();
      // What the service runs: dense feedback from the top lexical hits, vector search, fusion, then
      // the soft word match over the top 30.
      await served(hybridRank(await lex.search(q, { limit: 100 }), model.embed(q), side, DEFAULT_FUSION, lex.scoreBoundSync(q)), q);
      times.hybrid.push(performance.now() - s);
      s = performance.now();
      hybridRank(await lex.search(q, { limit: 100 }), model.embed(q), side, DEFAULT_FUSION, lex.scoreBoundSync(q));
      withoutSoft.push(performance.now() - s);
      if (oneThread) {
        // The lexical searches on this thread, not split between two (searchSync).
        s = performance.now();
        lex.searchSync(q, { limit: 100 });
        oneThread.lexical.push(performance.now() - s);
        s = performance.now();
        await served(hybridRank(lex.searchSync(q, { limit: 100 }), model.embed(q), side, DEFAULT_FUSION, lex.scoreBoundSync(q)), q);
        oneThread.hybrid.push(performance.now() - s);
      }
      sampleRss();
    }
    // --nprobe-sweep=16,24,32,48: recall@10 of the IVF index against the exact scan (200 real titles
    // as queries) and vector and hybrid latency (the first 300 queries) for each number of probes,
    // to see what the default gives up on both sides.
    const sweep = (args.find((a) => a.startsWith('--nprobe-sweep='))?.slice(15) ?? '').split(',').filter(Boolean).map(Number);
    const sweepLines: object[] = [];
    if (ivf && sweep.length) {
      const chosen = ivf.nprobe;
      const full = new ExactVectorIndex(dim, vectors); // rows in the compacted order, as the IVF's
      const titles = Array.from({ length: 200 }, (_, i) => model.embed(real[(i * 977 + 13) % real.length].title));
      const want = titles.map((qv) => new Set(full.search(qv, 10).map((h) => h.index)));
      const lexHits = new Map<string, Awaited<ReturnType<typeof lex.search>>>();
      for (const { text } of queries.slice(0, 300)) lexHits.set(text, await lex.search(text, { limit: 100 }));
      for (const nprobe of sweep) {
        ivf.nprobe = nprobe;
        let hit = 0;
        titles.forEach((qv, i) => (hit += ivf.search(qv, 10).filter((h) => want[i].has(h.index)).length));
        const vt: number[] = [];
        const ht: number[] = [];
        for (const { text } of queries.slice(0, 300)) {
          let s = performance.now();
          ivf.search(model.embed(text), 100);
          vt.push(performance.now() - s);
          // The lexical half is the one measured above; here only what the probes change.
          s = performance.now();
          await served(hybridRank(lexHits.get(text)!, model.embed(text), side, DEFAULT_FUSION, lex.scoreBoundSync(text)), text);
          ht.push(performance.now() - s);
        }
        sweepLines.push({
          nprobe,
          ann_recall_at_10: hit / 2000,
          vector_p50_ms: pct(vt, 50),
          vector_p99_ms: pct(vt, 99),
          hybrid_without_lexical_p50_ms: pct(ht, 50),
          hybrid_without_lexical_p99_ms: pct(ht, 99),
        });
      }
      ivf.nprobe = chosen;
    }
    // The same queries through FTS5 alone (the fallback path), on a sample: it is slow at scale.
    const ftsSample = Number(args.find((a) => a.startsWith('--fts5-sample='))?.slice(14) ?? 100);
    const ftsTimes: number[] = [];
    if (memory && ftsSample > 0) {
      lex.accelerate(null);
      for (const { text } of queries.slice(0, ftsSample)) {
        const s = performance.now();
        lex.searchSync(text, { limit: 100 });
        ftsTimes.push(performance.now() - s);
      }
      lex.accelerate(memory);
    }
    clearInterval(rssTimer);
    sampleRss();
    const base = {
      benchmark: 'search',
      papers: N,
      queries: Q,
      dim,
      vectorIndex: ivf ? `ivf(lists=${ivf.lists},nprobe=${ivf.nprobe})` : 'exact',
      lexicalIndex: memory ? 'fts5+memory' : 'fts5',
    };
    for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
      console.log(JSON.stringify({ ...base, mode, p50_ms: pct(times[mode], 50), p99_ms: pct(times[mode], 99) }));
    }
    console.log(JSON.stringify({ ...base, mode: 'hybrid', softMatch: false, p50_ms: pct(withoutSoft, 50), p99_ms: pct(withoutSoft, 99) }));
    for (const mode of ['lexical', 'hybrid'] as const) {
      if (oneThread) console.log(JSON.stringify({ ...base, mode, lexicalThreads: 1, p50_ms: pct(oneThread[mode], 50), p99_ms: pct(oneThread[mode], 99) }));
    }
    for (const line of sweepLines) console.log(JSON.stringify({ ...base, mode: 'nprobe-sweep', ...line }));
    for (const [kind, ts] of byKind)
      console.log(JSON.stringify({ ...base, mode: 'lexical', kind, queries: ts.length, p50_ms: pct(ts, 50), p99_ms: pct(ts, 99) }));
    if (ftsTimes.length)
      console.log(
        JSON.stringify({ ...base, lexicalIndex: 'fts5', mode: 'lexical', queries: ftsTimes.length, p50_ms: pct(ftsTimes, 50), p99_ms: pct(ftsTimes, 99) }),
      );
    console.log(
      JSON.stringify({
        ...base,
        lexical_index_build_s: Math.round(lexicalBuildS * 10) / 10,
        memory_index_build_s: Math.round(memoryBuildS * 10) / 10,
        memory_index_mb: memory ? Math.round(memory.bytes / 1048576) : 0,
        ann_build_s: Math.round(annBuildS * 10) / 10,
        ann_recall_at_10: ivfRecall10,
        embed_papers_per_s: Math.round(N / (embedMs / 1000)),
        peak_rss_mb: Math.round(peakRss / 1048576),
        peak_rss_mb_by_phase: peakByPhase,
      }),
    );
    db.close();
    memory?.stemmer.close();
    await memory?.closeWorker();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
