import type { Paper } from '../papers/paper.js';
import type { PaperStore } from '../papers/store.js';
import type { Embedder } from '../search/embedders/embedder.js';
import { bytesToVector } from '../search/vectors/vector-store.js';
import type { Database } from '../storage/database.js';
import { type PaperText, TermStats, analyse, codeOwners, termCounts, weigh } from './features.js';
import { VectorStats } from './vector-stats.js';
import { type RankPaper, type ReaderModel, type Recommendation, RANK_WEIGHTS, type RankWeights, fitReader, rankForReader } from './ranker.js';

// The ranking's door for the rest of Paperboy: papers by id as the ranker sees them (their words,
// weighted by how rare each is among the instance's papers, and their corpus-model vector), a reader's
// model from paper ids, and a list of paper ids ranked for a model.

export interface RecommenderOptions {
  /** how many of the newest papers the word statistics are counted over (a sample at a million papers) */
  statsPapers?: number;
  /** how many of the newest papers' vectors their mean and covariance are computed over */
  vectorStatsPapers?: number;
  weights?: RankWeights;
}

export interface Recommender {
  /** The papers among `ids` that the instance has, as the ranker sees them, in the order of `ids`. */
  papersFor(ids: string[]): Promise<RankPaper[]>;
  fit(liked: string[], dismissed?: string[]): Promise<ReaderModel>;
  rank(model: ReaderModel, ids: string[], reasons?: number): Promise<Recommendation[]>;
}

/** Papers kept ready between requests (a day's listing is ranked for every reader). */
const CACHE_PAPERS = 50_000;
const PAGE = 2_000;
/** Papers analysed between two turns of the event loop when the cache fills (~30 ms of work). */
const ANALYSE_SLICE = 100;

export function createRecommender(database: Database, papers: PaperStore, embedder: () => Embedder | null, options: RecommenderOptions = {}): Recommender {
  const weights = options.weights ?? RANK_WEIGHTS;
  let stats: Promise<TermStats> | null = null;
  const cache = new Map<string, RankPaper>();
  const slabs = new Slabs();
  let cachedFor = '';
  let vectorStats: { key: string; stats: Promise<VectorStats | null> } | null = null;

  /** Word statistics over the newest papers, counted once per process, in pages that let requests in. */
  function termStats(): Promise<TermStats> {
    stats ??= (async () => {
      const s = new TermStats();
      const limit = options.statsPapers ?? 200_000;
      let after: string | null = null;
      while (s.papers < limit) {
        let q = database.db
          .selectFrom('papers')
          .select(['id', 'title', 'abstract', 'comments'])
          .orderBy('id', 'desc')
          .limit(Math.min(PAGE, limit - s.papers));
        if (after !== null) q = q.where('id', '<', after);
        const rows = await q.execute();
        for (const r of rows) s.add(termCounts(r));
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1].id;
        await new Promise((r) => setImmediate(r));
      }
      return s;
    })().catch((e) => {
      stats = null;
      throw e;
    });
    return stats;
  }

  /**
   * The mean and covariance of the newest papers' vectors (20,000 by default: ~1 s once per process and
   * model version, in pages that let requests in); null without a model.
   */
  function statsOfVectors(): Promise<VectorStats | null> {
    const e = embedder();
    if (!e) return Promise.resolve(null);
    const key = `${e.name}@${e.version}`;
    if (vectorStats?.key !== key) {
      const stats = (async () => {
        const limit = options.vectorStatsPapers ?? 20_000;
        const vectors: Float32Array[] = [];
        let after: string | null = null;
        while (vectors.length < limit) {
          let q = database.db
            .selectFrom('paper_vectors')
            .select(['paper_id', 'vector'])
            .where('model', '=', e.name)
            .where('model_version', '=', e.version)
            .orderBy('paper_id', 'desc')
            .limit(Math.min(PAGE, limit - vectors.length));
          if (after !== null) q = q.where('paper_id', '<', after);
          const rows = await q.execute();
          for (const r of rows) vectors.push(bytesToVector(r.vector, e.dim));
          if (rows.length < PAGE) break;
          after = rows[rows.length - 1].paper_id;
          await new Promise((r) => setImmediate(r));
        }
        return VectorStats.of(vectors, e.dim);
      })().catch((err) => {
        vectorStats = null;
        throw err;
      });
      vectorStats = { key, stats };
    }
    return vectorStats.stats;
  }

  async function vectorsOf(ids: string[]): Promise<Map<string, Float32Array>> {
    const e = embedder();
    const out = new Map<string, Float32Array>();
    if (!e || !ids.length) return out;
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await database.db
        .selectFrom('paper_vectors')
        .select(['paper_id', 'vector'])
        .where('model', '=', e.name)
        .where('model_version', '=', e.version)
        .where('paper_id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) out.set(r.paper_id, bytesToVector(r.vector, e.dim));
    }
    return out;
  }

  async function papersFor(ids: string[]): Promise<RankPaper[]> {
    const e = embedder();
    const key = e ? `${e.name}@${e.version}` : 'none';
    if (key !== cachedFor || cache.size > CACHE_PAPERS) {
      cache.clear();
      slabs.reset();
      cachedFor = key;
    }
    // One pass over the cache (a day's listing is ranked for every reader: usually all are there).
    let out: RankPaper[] = [];
    const missing = new Set<string>();
    for (const id of ids) {
      const p = cache.get(id);
      if (p) out.push(p);
      else missing.add(id);
    }
    if (missing.size) {
      const s = await termStats();
      const wanted = [...missing];
      const found: Paper[] = [];
      for (let i = 0; i < wanted.length; i += 500) found.push(...(await papers.getMany(wanted.slice(i, i + 500))));
      const vectors = await vectorsOf(found.map((p) => p.id));
      // Analysed in slices that let other requests in (a thousand new papers are about a second of
      // work), and kept apart too, in case another call empties the cache meanwhile.
      const fresh = new Map<string, RankPaper>();
      for (let i = 0; i < found.length; i++) {
        const p = found[i];
        const r = packed(rankPaper(p, s, vectors.get(p.id) ?? null), slabs);
        fresh.set(p.id, r);
        cache.set(p.id, r);
        if (i % ANALYSE_SLICE === ANALYSE_SLICE - 1) await new Promise((resolve) => setImmediate(resolve));
      }
      out = [];
      for (const id of ids) {
        const p = cache.get(id) ?? fresh.get(id);
        if (p) out.push(p);
      }
    }
    return out;
  }

  return {
    papersFor,
    async fit(liked, dismissed = []) {
      return fitReader(await papersFor(liked), await papersFor(dismissed), weights, await statsOfVectors());
    },
    async rank(model, ids, reasons) {
      return rankForReader(model, await papersFor(ids), weights, reasons);
    },
  };
}

/**
 * Memory for the cached papers' numbers, handed out in order from 4 MB blocks. Ranking 1,000 papers reads
 * each one's words, weights and vector once, and mostly from memory rather than cache: with the three
 * side by side and papers after one another (rather than three small buffers apiece, scattered over the
 * heap) that read took about 40% less time (rank 1,000 of readers-dev's papers, cold cache).
 */
class Slabs {
  private block = new ArrayBuffer(0);
  private used = 0;
  static readonly BLOCK = 4 << 20;

  reset(): void {
    this.block = new ArrayBuffer(0);
    this.used = 0;
  }

  /** `bytes` (a multiple of 4) of a block, as its buffer and offset. */
  take(bytes: number): { buffer: ArrayBuffer; offset: number } {
    if (this.used + bytes > this.block.byteLength) {
      this.block = new ArrayBuffer(Math.max(Slabs.BLOCK, bytes));
      this.used = 0;
    }
    const offset = this.used;
    this.used += bytes;
    return { buffer: this.block, offset };
  }
}

/** The paper with its words, weights and vector copied side by side into the slabs. */
function packed(p: RankPaper, slabs: Slabs): RankPaper {
  const n = p.text.ids.length;
  const dim = p.vector?.length ?? 0;
  const { buffer, offset } = slabs.take(8 * n + 4 * dim);
  const ids = new Int32Array(buffer, offset, n);
  ids.set(p.text.ids);
  const weights = new Float32Array(buffer, offset + 4 * n, n);
  weights.set(p.text.weights);
  let vector: Float32Array | null = null;
  if (p.vector) {
    vector = new Float32Array(buffer, offset + 8 * n, dim);
    vector.set(p.vector);
  }
  return { ...p, text: { ids, weights }, vector };
}

/** How many of a paper's heaviest words are kept for reasons (one string of ~500 characters a paper). */
const REASON_TERMS = 48;

export function rankPaper(p: PaperText & { id: string }, stats: TermStats, vector: Float32Array | null): RankPaper {
  const { counts, labels } = analyse(p);
  const text = weigh(counts, stats);
  const heaviest = Array.from(text.ids.keys())
    .sort((a, b) => text.weights[b] - text.weights[a])
    .slice(0, REASON_TERMS);
  return {
    id: p.id,
    title: p.title,
    text,
    vector,
    owners: codeOwners(p),
    terms: { ids: Int32Array.from(heaviest, (i) => text.ids[i]), labels: heaviest.map((i) => labels.get(text.ids[i])!).join('\n') },
  };
}
