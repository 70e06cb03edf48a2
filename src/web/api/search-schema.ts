import { MAX_LIMIT, MAX_QUERY_LENGTH, type SearchRequest } from '../../search/service.js';

/** Query-string schema shared by /search and /api/papers/search. Returns an error message or the request. */
export function parseSearchQuery(qs: Record<string, unknown>, defaultLimit: number): SearchRequest | { error: string } {
  const str = (k: string) => (typeof qs[k] === 'string' ? (qs[k] as string) : Array.isArray(qs[k]) ? String((qs[k] as unknown[])[0]) : undefined);
  const q = (str('q') ?? '').trim();
  if (q.length > MAX_QUERY_LENGTH) return { error: `search: q is ${q.length} characters long; the limit is ${MAX_QUERY_LENGTH}` };
  const rawLimit = str('limit');
  const limit = rawLimit === undefined || rawLimit === '' ? defaultLimit : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return { error: `search: limit must be a whole number from 1 to ${MAX_LIMIT}` };
  const date = (k: string) => {
    const v = str(k);
    if (v === undefined || v === '') return undefined;
    return /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null;
  };
  const from = date('from');
  const to = date('to');
  if (from === null || to === null) return { error: 'search: from and to must be dates like 2025-06-30' };
  const category = str('category') || undefined;
  if (category !== undefined && !/^[a-zA-Z-]+(\.[a-zA-Z-]+)?$/.test(category)) return { error: 'search: category must look like cs.LG' };
  const sort = str('sort') || 'relevance';
  if (sort !== 'relevance' && sort !== 'date') return { error: 'search: sort must be relevance or date' };
  return { q, limit, from, to, category, sort };
}
