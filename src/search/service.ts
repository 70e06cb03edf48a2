import type { Database } from '../storage/database.js';
import type { Paper } from '../papers/paper.js';
import type { PaperStore } from '../papers/store.js';
import type { Embedder } from './embedder.js';
import { DEFAULT_FUSION, type FusionWeights, hybridRank } from './fusion.js';
import { EXACT_MATCH_SCORE, createLexicalIndex } from './lexical-index.js';
import type { LexicalIndex } from './lexical.js';
import { VectorCache } from './vector-store.js';

export type SearchSort = 'relevance' | 'date';

export interface SearchRequest {
  q: string;
  limit: number;
  /** inclusive ISO dates (YYYY-MM-DD) on the published date */
  from?: string;
  to?: string;
  category?: string;
  sort?: SearchSort;
}

export interface SearchResult {
  papers: { paper: Paper; score: number }[];
  /** what actually ran: hybrid, or lexical when there is no model, no vectors or the embedder was too slow */
  mode: 'hybrid' | 'lexical';
}

export interface SearchService {
  search(req: SearchRequest): Promise<SearchResult>;
  /** Nearest papers by stored vector (no model call). Empty when the paper has no vector. */
  similar(id: string, limit: number): Promise<{ paper: Paper; score: number }[]>;
  readonly embedder: Embedder | null;
}

export const MAX_QUERY_LENGTH = 250;
export const MAX_LIMIT = 120;
const CANDIDATES = 200;

export interface SearchDeps {
  database: Database;
  papers: PaperStore;
  embedder: Embedder | null;
  fusion?: FusionWeights;
  /** query embedding time limit; past it lexical results are served alone */
  embedTimeoutMs?: number;
  /** file for the persisted ANN index (DATA_DIR/models/…); none keeps it in memory only */
  vectorIndexPath?: string;
  /** file for the persisted in-memory bm25 index (SQLite, large corpora); none keeps it in memory only */
  lexicalIndexPath?: string;
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
  const lexical: LexicalIndex = createLexicalIndex(deps.database, { memoryIndexPath: deps.lexicalIndexPath ?? null });
  const vectors = deps.embedder ? new VectorCache(deps.database, deps.embedder, 30_000, deps.vectorIndexPath ?? null) : null;
  const fusion = deps.fusion ?? DEFAULT_FUSION;
  const timeout = deps.embedTimeoutMs ?? 1000;

  async function rank(q: string): Promise<{ ids: { id: string; score: number }[]; mode: SearchResult['mode'] }> {
    const lex = await lexical.search(q, { limit: CANDIDATES });
    if (!vectors || !deps.embedder) return { ids: lex, mode: 'lexical' };
    const pinned = lex.filter((h) => h.score >= EXACT_MATCH_SCORE);
    const rest = lex.filter((h) => h.score < EXACT_MATCH_SCORE);
    const [qv] = await Promise.all([withTimeout(deps.embedder.embedQuery(q.slice(0, 1000)), timeout), vectors.refresh()]);
    if (!qv || vectors.size === 0 || qv.every((x) => x === 0)) return { ids: lex, mode: 'lexical' };
    const fused = hybridRank(rest, qv, vectors, fusion);
    // Lexical hits below the fused depth follow, so that filters still have candidates to choose from.
    const seen = new Set(pinned.map((h) => h.id));
    const ranked = [...pinned, ...fused.filter((h) => !seen.has(h.id))];
    for (const h of ranked) seen.add(h.id);
    const floor = ranked.length ? Math.min(0, ...ranked.map((h) => h.score)) : 0;
    for (const h of rest) if (!seen.has(h.id)) ranked.push({ id: h.id, score: floor });
    return { ids: ranked, mode: 'hybrid' };
  }

  return {
    embedder: deps.embedder,
    async search(req) {
      const limit = Math.max(1, Math.min(MAX_LIMIT, req.limit));
      const { ids, mode } = await rank(req.q);
      const byId = new Map((await deps.papers.getMany(ids.map((h) => h.id))).map((p) => [p.id, p]));
      let out = ids.flatMap((h) => {
        const paper = byId.get(h.id);
        return paper ? [{ paper, score: h.score }] : [];
      });
      if (req.from) out = out.filter((r) => r.paper.publishedAt.slice(0, 10) >= req.from!);
      if (req.to) out = out.filter((r) => r.paper.publishedAt.slice(0, 10) <= req.to!);
      if (req.category) out = out.filter((r) => r.paper.categories.includes(req.category!));
      if (req.sort === 'date') {
        out = out.slice(0, Math.max(limit, 50));
        out.sort((a, b) => (a.paper.publishedAt < b.paper.publishedAt ? 1 : a.paper.publishedAt > b.paper.publishedAt ? -1 : 0));
      }
      return { papers: out.slice(0, limit), mode };
    },
    async similar(id, limit) {
      if (!vectors) return [];
      await vectors.refresh();
      const v = vectors.vectorOf(id);
      if (!v) return [];
      const hits = vectors.search(v, limit + 1).filter((h) => h.id !== id).slice(0, limit);
      const byId = new Map((await deps.papers.getMany(hits.map((h) => h.id))).map((p) => [p.id, p]));
      return hits.flatMap((h) => (byId.has(h.id) ? [{ paper: byId.get(h.id)!, score: h.score }] : []));
    },
  };
}
