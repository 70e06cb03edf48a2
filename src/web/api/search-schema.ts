import { MAX_LIMIT, MAX_QUERY_LENGTH, SEARCH_SORTS, type SearchRequest, type SearchSort } from '../../search/service.js';

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
  const sort = (str('sort') || 'relevance') as SearchSort;
  if (!SEARCH_SORTS.includes(sort)) return { error: `search: sort must be one of ${SEARCH_SORTS.join(', ')}` };
  const featuredRaw = str('featured') ?? '';
  if (!['', '0', '1', 'true', 'false', 'on'].includes(featuredRaw)) return { error: 'search: featured must be 1 or 0' };
  const featured = featuredRaw === '1' || featuredRaw === 'true' || featuredRaw === 'on';
  return { q, limit, from, to, category, featured, sort };
}
