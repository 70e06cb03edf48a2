// What a search asks for, as it arrives in a query string (/search, /api/papers/search) or as
// flags (`paperboy search`): one schema, checked here for all three, and the same schema is what
// /openapi.json documents for the API route.
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../util/string-enum.js';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Category, Day } from '../papers/schemas.js';
import { parseWholeNumber } from '../util/strict-input.js';
import { MAX_LIMIT, MAX_QUERY_LENGTH, SEARCH_SORTS, type SearchRequest } from './service.js';

/**
 * `featured` as the search form and clients send it: the checkbox sends `1` (`on` when a form
 * leaves out its value), clients write `true`/`false`; empty or `0` means every paper.
 */
export const FEATURED_VALUES = ['1', 'true', 'on', '0', 'false'] as const;
const FEATURED_ON = new Set(['1', 'true', 'on']);

const fields = {
  q: Type.String({
    maxLength: MAX_QUERY_LENGTH,
    description: `the query: words, a description, a title or an arXiv id (at most ${MAX_QUERY_LENGTH} characters); without one the answer is empty`,
  }),
  limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: 'results' }),
  from: Day('published on or after, YYYY-MM-DD'),
  to: Day('published on or before, YYYY-MM-DD'),
  category: Category,
  featured: StringEnum(FEATURED_VALUES, { description: '`1` (or `true`, `on`): only papers featured in the daily feed; `0` (or `false`, empty): every paper' }),
  hasCode: StringEnum(FEATURED_VALUES, {
    description: '`1` (or `true`, `on`): only papers with a code repository (linked by a member or found in their abstract or comment)',
  }),
  sort: StringEnum(SEARCH_SORTS, { description: '`relevance`, or the most relevant 50 (or `limit`) by `date` or `upvotes`', default: 'relevance' }),
};

/** The query string of a search; every field optional, an empty one counts as left out. */
export const SearchQuery = Type.Object({
  q: Type.Optional(fields.q),
  limit: Type.Optional(fields.limit),
  from: Type.Optional(fields.from),
  to: Type.Optional(fields.to),
  category: Type.Optional(fields.category),
  featured: Type.Optional(fields.featured),
  hasCode: Type.Optional(fields.hasCode),
  sort: Type.Optional(fields.sort),
});
export type SearchQuery = Static<typeof SearchQuery>;

/** SearchQuery as a route documents it: the routes differ only in their default limit. */
export function searchQuerySchema(defaultLimit: number) {
  return Type.Object({ ...SearchQuery.properties, limit: Type.Optional(Type.Integer({ ...fields.limit, default: defaultLimit })) });
}

const check = TypeCompiler.Compile(SearchQuery);

/** What each field must be, for a message that names the field (the checker only says the path). */
const MESSAGES: Record<keyof SearchQuery, (v: unknown) => string> = {
  q: (v) => `search: q is ${String(v).length} characters long; the limit is ${MAX_QUERY_LENGTH}`,
  limit: () => `search: limit must be a whole number from 1 to ${MAX_LIMIT}`,
  from: () => 'search: from and to must be dates like 2025-06-30',
  to: () => 'search: from and to must be dates like 2025-06-30',
  category: () => 'search: category must look like cs.LG',
  featured: () => `search: featured must be 1 or 0 (true, on and false are read too)`,
  hasCode: () => `search: hasCode must be 1 or 0 (true, on and false are read too)`,
  sort: () => `search: sort must be one of ${SEARCH_SORTS.join(', ')}`,
};

/**
 * A query-string-like record (values are strings, a repeated key an array: its first value
 * counts) as a SearchRequest, or a message naming the first bad field.
 */
export function parseSearchRequest(qs: Record<string, unknown>, defaultLimit: number): SearchRequest | { error: string } {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(SearchQuery.properties)) {
    const raw = qs[key];
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (first === undefined || first === null) continue;
    const text = key === 'q' ? String(first).trim() : String(first);
    if (text === '') continue;
    // The limit in decimal digits only (util/strict-input.ts): `0x10` or `1e1` stays text and fails the check.
    input[key] = key === 'limit' ? (parseWholeNumber(text) ?? text) : text;
  }
  const problem = check.Check(input) ? undefined : check.Errors(input).First();
  if (problem) {
    const key = problem.path.split('/')[1] as keyof SearchQuery;
    return { error: MESSAGES[key](input[key]) };
  }
  const query = input as SearchQuery;
  return {
    q: query.q ?? '',
    limit: query.limit ?? defaultLimit,
    from: query.from,
    to: query.to,
    category: query.category,
    featured: query.featured !== undefined && FEATURED_ON.has(query.featured),
    sort: query.sort ?? 'relevance',
    ...(query.hasCode !== undefined && FEATURED_ON.has(query.hasCode) ? { hasCode: true } : {}),
  };
}
