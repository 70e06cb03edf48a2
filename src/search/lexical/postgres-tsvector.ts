import { sql } from 'kysely';
import type { Database } from '../../storage/database.js';
import { type ParsedQuery, parseQuery, queryArxivId, titleKey } from './query.js';
import { type AppLexicalIndex, type ColumnWeights, EXACT_MATCH_SCORE, type LexicalHit, type LexicalSearchOptions } from './types.js';

// The PostgreSQL lexical index: the papers' weighted tsvector (a generated column, always in step
// with the papers) searched with websearch_to_tsquery and ranked by ts_rank_cd.

export function createPostgresIndex(db: Database['db'], weights: ColumnWeights): AppLexicalIndex {
  const ranked = async (parsed: ParsedQuery, limit: number) => {
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
    const rows = await db
      .selectFrom('papers')
      .select(['id', 'title'])
      .where(
        'id',
        'in',
        candidates.map((c) => c.id),
      )
      .execute();
    return rows.filter((r) => titleKey(r.title) === key).map((r) => r.id);
  }

  return {
    settled: async () => undefined,
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
