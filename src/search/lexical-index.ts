import { sql } from 'kysely';
import type { Database } from '../storage/database.js';
import {
  combineStemmedAndExact,
  type LexicalHit,
  type LexicalIndex,
  type LexicalSearchOptions,
  type ParsedQuery,
  parseQuery,
  queryArxivId,
  titleKey,
  toFts5Query,
} from './lexical.js';
import { DEFAULT_COLUMN_WEIGHTS, type ColumnWeights } from './sqlite-lexical.js';

/** Score given to an exact id or title match so it sorts above any text score. */
export const EXACT_MATCH_SCORE = 1e6;

/** The lexical index of the open database's dialect (FTS5 on SQLite, tsvector on PostgreSQL). */
export function createLexicalIndex(database: Database, weights: ColumnWeights = DEFAULT_COLUMN_WEIGHTS): LexicalIndex {
  const { db } = database;
  const ranked =
    database.dialect === 'sqlite'
      ? async (parsed: ParsedQuery, limit: number) => {
          const match = toFts5Query(parsed);
          if (match === null) return [];
          const stemmed = await sql<{ id: string; rank: number }>`
            SELECT d.paper_id AS id, bm25(papers_fts, ${weights.title}, ${weights.abstract}, ${weights.authors}) AS rank
              FROM papers_fts JOIN search_docs d ON d.doc_id = papers_fts.rowid
             WHERE papers_fts MATCH ${match} ORDER BY rank LIMIT ${limit}`.execute(db);
          const exact = await sql<{ id: string; rank: number }>`
            SELECT d.paper_id AS id, bm25(papers_fts_exact, ${weights.title}, ${weights.abstract}, ${weights.authors}) AS rank
              FROM papers_fts_exact JOIN search_docs d ON d.doc_id = papers_fts_exact.rowid
             WHERE papers_fts_exact MATCH ${match} ORDER BY rank LIMIT ${limit}`.execute(db);
          const hits = (rows: { id: string; rank: number }[]) => rows.map((x) => ({ id: x.id, score: -x.rank }));
          return combineStemmedAndExact(hits(stemmed.rows), hits(exact.rows)).slice(0, limit);
        }
      : async (parsed: ParsedQuery, limit: number) => {
          // websearch_to_tsquery never fails on user text; we still hand it only words and quoted
          // phrases we built, OR-ed for ranking and with every phrase required.
          const any = [...parsed.phrases.map((p) => `"${p.join(' ')}"`), ...parsed.terms].join(' or ');
          if (!any) return [];
          const phrases = parsed.phrases.map((p) => `"${p.join(' ')}"`).join(' ');
          // ts_rank weights are {D, C, B, A}: title (A) over abstract (B) over authors (C).
          const w = `{0, ${weights.authors / weights.title}, ${weights.abstract / weights.title}, 1}`;
          const r = await sql<{ id: string; rank: number }>`
            SELECT id, ts_rank_cd(${w}::float4[], search_vector, q, 1) AS rank
              FROM papers, websearch_to_tsquery('english', ${any}) AS q
             WHERE search_vector @@ q
               AND (${phrases} = '' OR search_vector @@ websearch_to_tsquery('english', ${phrases}))
             ORDER BY rank DESC, id LIMIT ${limit}`.execute(db);
          return r.rows.map((x) => ({ id: x.id, score: Number(x.rank) }));
        };

  async function exactMatches(query: string): Promise<string[]> {
    const id = queryArxivId(query);
    if (id) {
      const row = await db.selectFrom('papers').select('id').where('id', '=', id).executeTakeFirst();
      return row ? [row.id] : [];
    }
    const key = titleKey(query);
    if (!key || query.length > 400) return [];
    const parsed = { phrases: [key.split(' ')], terms: [] };
    const candidates = await ranked(parsed.phrases[0].length > 1 ? parsed : { phrases: [], terms: [key] }, 20);
    if (!candidates.length) return [];
    const rows = await db.selectFrom('papers').select(['id', 'title']).where('id', 'in', candidates.map((c) => c.id)).execute();
    return rows.filter((r) => titleKey(r.title) === key).map((r) => r.id);
  }

  return {
    async search(query: string, options: LexicalSearchOptions): Promise<LexicalHit[]> {
      const exact = await exactMatches(query);
      const hits: LexicalHit[] = exact.map((id) => ({ id, score: EXACT_MATCH_SCORE }));
      const seen = new Set(exact);
      for (const h of await ranked(parseQuery(query), options.limit + exact.length)) {
        if (!seen.has(h.id)) hits.push(h);
      }
      return hits.slice(0, options.limit);
    },
  };
}
