import type { Database } from '../storage/database.js';
import type { Paper } from '../papers/paper.js';
import { chunks, type PaperStore } from '../papers/store.js';
import type { Embedder } from './embedders/embedder.js';
import {
  DEFAULT_FUSION,
  type FusionWeights,
  type SoftMatcher,
  type VectorAnswer,
  type VectorQuery,
  answerVectors,
  hybridRankWith,
  softRerank,
} from './fusion.js';
import { type AppLexicalIndex, EXACT_MATCH_SCORE, createLexicalIndex } from './lexical/index.js';
import type { SearchThreads } from './threads/pool.js';
import { VectorCache, vectorCoverage } from './vectors/vector-store.js';

export type SearchSort = 'relevance' | 'date' | 'upvotes';
export const SEARCH_SORTS: SearchSort[] = ['relevance', 'date', 'upvotes'];

export interface SearchRequest {
  q: string;
  limit: number;
  /** inclusive ISO dates (YYYY-MM-DD) on the published date */
  from?: string;
  to?: string;
  category?: string;
  /** only papers featured in the daily feed (submitted and not hidden) */
  featured?: boolean;
  /** only papers with a code repository (a member's link or one found in their text) */
  hasCode?: boolean;
  /** date and upvotes re-sort the most relevant matches (at least 50) */
  sort?: SearchSort;
}

export interface SearchHit {
  paper: Paper;
  score: number;
  /** whether it is in the daily feed, and its upvotes there (0 when not) */
  featured: boolean;
  upvotes: number;
}

export interface SearchResult {
  papers: SearchHit[];
  /** what actually ran: hybrid, or lexical when there is no model, no vectors or the embedder was too slow */
  mode: 'hybrid' | 'lexical';
}

export interface SearchService {
  search(req: SearchRequest): Promise<SearchResult>;
  /** Nearest papers by stored vector (no model call). Empty when the paper has no vector. */
  similar(id: string, limit: number): Promise<SearchHit[]>;
  /** the embedder searches use now */
  readonly embedder: Embedder | null;
  /**
   * Moves searches to another model (a retrained corpus model) once enough papers (READY_SHARE) have
   * their vector from it: until then they go on with the current model and the vectors held in
   * memory, so a retrain never leaves search with half its vectors. `waiting` says how many papers
   * are still missing one.
   */
  useEmbedder(next: Embedder | null): Promise<{ status: 'same' | 'switched' } | { status: 'waiting'; missing: number }>;
  /**
   * What answers depend on besides the request, for a cache of them (search/answers.ts): `version`
   * changes with the model, its vectors and (where the lexical index can tell cheaply) the papers;
   * `hybrid` says whether a search now should be hybrid, so that a lexical answer given because the
   * query embedding was too slow is not kept.
   */
  answerState(): { version: string; hybrid: boolean };
  /** True while the lexical index's in-memory copy is being loaded or built, and its fallback (FTS5, tsvector) answers. */
  lexicalIndexBuilding?(): boolean;
  /** Starts loading (or building) the lexical index's in-memory copy, which else starts at the first search. */
  startLexicalIndex?(): void;
  /** Resolves when the vectors are loaded and no ANN index build is in progress (benchmarks, tests). */
  vectorsSettled?(): Promise<void>;
}

export const MAX_QUERY_LENGTH = 250;
export const MAX_LIMIT = 120;
/** Lexical candidates of an unfiltered search: what hybridRank fuses (it reads the top 100). */
const CANDIDATES = 100;
/** With filters, candidate depths tried in turn until enough matches pass them. */
const FILTERED_DEPTHS = [200, 2_000, 10_000];
/** How many of the most relevant matches a date or upvotes sort re-orders. */
const RESORT_DEPTH = 50;
/**
 * A model serves searches once this share of the papers has a vector from it: until then search is
 * by words alone (a first embedding after start-up), or stays with the previous model (a retrain).
 * A vector side over part of the papers puts those above better matches among the rest. New papers
 * waiting for their vector do not count once it serves.
 */
const READY_SHARE = 0.98;
const enoughVectors = (c: { papers: number; missing: number }) => c.papers - c.missing >= c.papers * READY_SHARE;
const READY_CHECK_MS = 10_000;

export interface SearchDeps {
  database: Database;
  papers: PaperStore;
  embedder: Embedder | null;
  fusion?: FusionWeights;
  /** query embedding time limit; past it lexical results are served alone */
  embedTimeoutMs?: number;
  /** file for the persisted ANN index (DATA_DIR/models/…); none keeps it in memory only */
  vectorIndexPath?: string;
  /** file for the persisted in-memory bm25 index (both dialects); none keeps it in memory only */
  lexicalIndexPath?: string;
  /** a saved lexical index to start from when lexicalIndexPath holds none (LEXICAL_INDEX_SEED) */
  lexicalIndexSeed?: string | null;
  /** how often the share of papers with vectors is checked until it is enough (tests shorten it) */
  readyCheckMs?: number;
  /** how often the vectors written since are read into memory (tests shorten it) */
  vectorRefreshMs?: number;
  /**
   * Search threads for the CPU-bound parts (query embedding and soft match with a corpus model, the
   * vector side of hybrid ranking); none: they run on the calling thread. The ranking is the same.
   */
  threads?: SearchThreads | null;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | null> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      () => {
        clearTimeout(t);
        resolve(null);
      },
    );
  });
}

export function createSearchService(deps: SearchDeps): SearchService {
  const lexical: AppLexicalIndex = createLexicalIndex(deps.database, {
    memoryIndexPath: deps.lexicalIndexPath ?? null,
    memoryIndexSeed: deps.lexicalIndexSeed ?? null,
  });
  const cacheFor = (embedder: Embedder | null) =>
    embedder ? new VectorCache(deps.database, embedder, deps.vectorRefreshMs ?? 30_000, deps.vectorIndexPath ?? null) : null;
  /** The model and its vectors, replaced together by useEmbedder; each search reads them once. */
  type Active = { embedder: Embedder | null; vectors: VectorCache | null; ready: boolean; checkedAt: number };
  let active: Active = { embedder: deps.embedder, vectors: cacheFor(deps.embedder), ready: false, checkedAt: 0 };

  /**
   * Whether enough papers have vectors. Until they do, checked at most every READY_CHECK_MS: the
   * first time while the lexical index answers (a CLI search makes only that one), then in the
   * background.
   */
  async function vectorsReady(state: Active): Promise<boolean> {
    if (state.ready || !state.embedder || Date.now() - state.checkedAt < (deps.readyCheckMs ?? READY_CHECK_MS)) return state.ready;
    const first = state.checkedAt === 0;
    state.checkedAt = Date.now();
    const check = vectorCoverage(deps.database, state.embedder)
      .then((c) => {
        if (enoughVectors(c)) state.ready = true;
      })
      .catch(() => undefined);
    if (first) await check;
    return state.ready;
  }
  let switching: Promise<unknown> = Promise.resolve();
  const fusion = deps.fusion ?? DEFAULT_FUSION;
  const timeout = deps.embedTimeoutMs ?? 1000;
  const threads = deps.threads ?? null;

  /** The query's embedding: on a search thread for a corpus model (an onnx: or http: embedder is off this thread already). */
  function embedQuery(embedder: Embedder, text: string): Promise<Float32Array> {
    const model = embedder.corpusModel;
    if (!threads || !model) return embedder.embedQuery(text);
    return threads.embed(model, text).catch(() => embedder.embedQuery(text));
  }

  /**
   * The vector side of a hybrid ranking on a search thread, in rows of the vectors' snapshot; answered
   * here instead when the thread fails or the rows were relabelled meanwhile (an IVF build adopted).
   */
  async function vectorAnswer(vectors: VectorCache, q: VectorQuery): Promise<VectorAnswer> {
    if (!threads) return answerVectors(vectors, q);
    const snapshot = vectors.snapshot();
    const rows = (ids: string[]) => Int32Array.from(ids, (id) => vectors.rowOfId(id));
    const r = await threads
      .vectors(snapshot, { query: q.query, feedback: rows(q.feedback), feedbackWeight: q.feedbackWeight, k: q.k, candidates: rows(q.candidates) })
      .catch(() => null);
    const top = r ? Array.from(r.topRows, (row, i) => ({ id: vectors.idAt(row, r.epoch), score: r.topScores[i] })) : [];
    if (!r || top.some((h) => h.id === null)) return answerVectors(vectors, q);
    const scores = new Map(q.candidates.map((id, i) => [id, r.candidateScores[i]]));
    return {
      top: top as { id: string; score: number }[],
      score: (id) => {
        const s = scores.get(id);
        return s === undefined || Number.isNaN(s) ? undefined : s;
      },
    };
  }

  /** The query vector, or null for lexical search (no model, no vectors, or past the time limit). */
  async function queryVector(state: Active, q: string): Promise<Float32Array | null> {
    const { embedder, vectors } = state;
    if (!vectors || !embedder) return null;
    if (!(await vectorsReady(state))) return null;
    // The first read of the vectors (some 45 s at a million papers) goes on in the background past
    // the time limit; searches are lexical until it is done. Once loaded, a search does not wait for
    // the vectors written since (every refreshMs): on PostgreSQL reading the last ones' keys takes
    // round trips that made the searches it fell on the slowest of all.
    let first: Promise<unknown> | null = null;
    if (vectors.loaded) void vectors.refresh().catch(() => undefined);
    else first = withTimeout(vectors.refresh(), timeout);
    const [qv] = await Promise.all([withTimeout(embedQuery(embedder, q.slice(0, 1000)), timeout), first]);
    return !qv || !vectors.loaded || vectors.size === 0 || qv.every((x) => x === 0) ? null : qv;
  }

  /** Papers read while ranking, so that the ones shown are not read twice. */
  type Cache = Map<string, Paper>;

  async function readPapers(ids: string[], cache: Cache): Promise<Map<string, Paper>> {
    const missing = ids.filter((id) => !cache.has(id));
    if (missing.length) for (const p of await deps.papers.getMany(missing)) cache.set(p.id, p);
    return new Map(ids.flatMap((id) => (cache.has(id) ? [[id, cache.get(id)!] as const] : [])));
  }

  async function rank(
    { embedder, vectors }: Active,
    q: string,
    lex: { id: string; score: number }[],
    qv: Float32Array | null,
    bound: number | undefined,
    cache: Cache,
  ): Promise<{ id: string; score: number }[]> {
    if (!qv || !vectors) return lex;
    const pinned = lex.filter((h) => h.score >= EXACT_MATCH_SCORE);
    const rest = lex.filter((h) => h.score < EXACT_MATCH_SCORE);
    let fused = await hybridRankWith(rest, qv, (vq) => vectorAnswer(vectors, vq), fusion, bound);
    const model = embedder?.corpusModel;
    // The soft word and sentence matches run on a search thread when there are threads (each falls
    // back to this thread if its thread fails).
    const matcher: SoftMatcher | null =
      threads && model
        ? {
            softMatch: (query, docs) => threads.softMatch(model, query, docs).catch(() => model.softMatch(query, docs)),
            sentenceMatch: (query, docs) => threads.sentenceMatch(model, query, docs).catch(() => model.sentenceMatch(query, docs)),
          }
        : embedder?.softMatch
          ? { softMatch: embedder.softMatch.bind(embedder), sentenceMatch: embedder.sentenceMatch?.bind(embedder) }
          : null;
    if (matcher) fused = await softRerank(fused, q, matcher, (ids) => readPapers(ids, cache), fusion);
    // Lexical hits below the fused depth follow, so that filters still have candidates to choose from.
    const seen = new Set(pinned.map((h) => h.id));
    const ranked = [...pinned, ...fused.filter((h) => !seen.has(h.id))];
    for (const h of ranked) seen.add(h.id);
    const floor = ranked.length ? Math.min(0, ...ranked.map((h) => h.score)) : 0;
    for (const h of rest) if (!seen.has(h.id)) ranked.push({ id: h.id, score: floor });
    return ranked;
  }

  /** Upvotes of the papers among `ids` that are in the daily feed. */
  async function feedUpvotes(ids: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const part of chunks(ids, 500)) {
      const rows = await deps.database.db
        .selectFrom('submissions')
        .select(['paper_id', 'upvotes'])
        .where('hidden', '=', 0)
        .where('paper_id', 'in', part)
        .execute();
      for (const r of rows) out.set(r.paper_id, Number(r.upvotes));
    }
    return out;
  }

  return {
    get embedder() {
      return active.embedder;
    },
    lexicalIndexBuilding: () => lexical.building?.() ?? false,
    startLexicalIndex: () => lexical.start?.(),
    async vectorsSettled() {
      const { vectors } = active;
      if (!vectors) return;
      await vectors.refresh();
      await vectors.settled();
    },
    answerState() {
      const { embedder, vectors, ready } = active;
      const model = embedder ? `${embedder.name}@${embedder.version}` : 'none';
      const hybrid = Boolean(embedder && vectors?.loaded && vectors.size > 0 && ready);
      return { version: `${model}:${hybrid ? vectors!.size : 0}:${lexical.contentMark?.() ?? ''}`, hybrid };
    },
    useEmbedder(next) {
      // One switch at a time: loading a million vectors takes a while, and polls may overlap it.
      const run = switching.then(async () => {
        const now = active.embedder;
        if (now === next || (now && next && now.name === next.name && now.version === next.version)) return { status: 'same' as const };
        if (next) {
          const c = await vectorCoverage(deps.database, next);
          if (!enoughVectors(c)) return { status: 'waiting' as const, missing: c.missing };
        }
        const vectors = cacheFor(next);
        if (vectors) {
          await vectors.refresh(true);
          await vectors.settled();
        }
        active = { embedder: next, vectors, ready: true, checkedAt: Date.now() };
        return { status: 'switched' as const };
      });
      switching = run.catch(() => undefined);
      return run;
    },
    async search(req) {
      const state = active;
      const limit = Math.max(1, Math.min(MAX_LIMIT, req.limit));
      const wanted = req.sort === 'date' || req.sort === 'upvotes' ? Math.max(limit, RESORT_DEPTH) : limit;
      const filtered = Boolean(req.from || req.to || req.category || req.featured || req.hasCode);
      // The query is embedded while the lexical index answers (an onnx: or http: embedder runs
      // off this thread).
      const embedding = queryVector(state, req.q);
      // What the lexical scores are divided by in the fusion (an index without one: min-max); asked
      // once, and only for a hybrid search.
      let bound: Promise<number | undefined> | undefined;
      const boundOf = () => (bound ??= lexical.scoreBound ? lexical.scoreBound(req.q).catch(() => undefined) : Promise.resolve(undefined));
      const cache: Cache = new Map();
      let qv: Float32Array | null = null;
      let out: SearchHit[] = [];
      // Filters are applied to ranked candidates; when too few pass, look deeper into the lexical
      // matches (a rare category, featured papers only) instead of answering with too few.
      const depths = filtered ? FILTERED_DEPTHS.map((d) => Math.max(d, wanted)) : [Math.max(CANDIDATES, wanted)];
      for (const depth of depths) {
        const [lex, vector] = await Promise.all([lexical.search(req.q, { limit: depth }), embedding]);
        qv = vector;
        // Unfiltered, only the papers shown (or re-sorted) are read; the rest of the candidates
        // only served the fusion.
        const all = await rank(state, req.q.slice(0, 1000), lex, qv, qv ? await boundOf() : undefined, cache);
        let ranked = filtered ? all : all.slice(0, wanted);
        // Both at once: on PostgreSQL each is a round trip.
        const [upvotes, byId] = await Promise.all([
          feedUpvotes(ranked.map((h) => h.id)),
          readPapers(
            ranked.map((h) => h.id),
            cache,
          ),
        ]);
        if (req.featured) ranked = ranked.filter((h) => upvotes.has(h.id));
        out = ranked.flatMap((h) => {
          const paper = byId.get(h.id);
          if (!paper) return [];
          const day = paper.publishedAt.slice(0, 10);
          if ((req.from && day < req.from) || (req.to && day > req.to) || (req.category && !paper.categories.includes(req.category))) return [];
          if (req.hasCode && !paper.githubRepo) return [];
          return [{ paper, score: h.score, featured: upvotes.has(h.id), upvotes: upvotes.get(h.id) ?? 0 }];
        });
        if (out.length >= wanted || lex.length < depth) break;
      }
      if (req.sort === 'date' || req.sort === 'upvotes') {
        out = out.slice(0, wanted);
        const key = req.sort === 'date' ? (h: SearchHit) => Date.parse(h.paper.publishedAt) : (h: SearchHit) => h.upvotes;
        out.sort((a, b) => key(b) - key(a)); // stable: ties keep their relevance order
      }
      return { papers: out.slice(0, limit), mode: qv ? 'hybrid' : 'lexical' };
    },
    async similar(id, limit) {
      const { vectors } = active;
      if (!vectors) return [];
      // None while the first read of the vectors goes on (see queryVector).
      await withTimeout(vectors.refresh(), timeout);
      if (!vectors.loaded) return [];
      const v = vectors.vectorOf(id);
      if (!v) return [];
      const hits = (await vectorAnswer(vectors, { query: v, feedback: [], feedbackWeight: 0, k: limit + 1, candidates: [] })).top
        .filter((h) => h.id !== id)
        .slice(0, limit);
      const byId = new Map((await deps.papers.getMany(hits.map((h) => h.id))).map((p) => [p.id, p]));
      const upvotes = await feedUpvotes(hits.map((h) => h.id));
      return hits.flatMap((h) => {
        const paper = byId.get(h.id);
        return paper ? [{ paper, score: h.score, featured: upvotes.has(h.id), upvotes: upvotes.get(h.id) ?? 0 }] : [];
      });
    },
  };
}
