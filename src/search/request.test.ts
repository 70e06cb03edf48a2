import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSearchRequest } from './request.js';

test('a search request from a query string: defaults, empty fields, the first of repeated keys', () => {
  assert.deepEqual(parseSearchRequest({ q: '  grasping  ' }, 30), {
    q: 'grasping',
    limit: 30,
    from: undefined,
    to: undefined,
    category: undefined,
    featured: false,
    sort: 'relevance',
  });
  // What the search form sends when its filters are left alone.
  assert.deepEqual(parseSearchRequest({ q: 'x', from: '', to: '', category: '', sort: 'relevance', limit: '' }, 50), {
    q: 'x',
    limit: 50,
    from: undefined,
    to: undefined,
    category: undefined,
    featured: false,
    sort: 'relevance',
  });
  const r = parseSearchRequest({ q: ['a', 'b'], limit: '5', from: '2025-01-01', to: '2025-06-30', category: 'math-ph', featured: 'on', sort: 'upvotes' }, 30);
  assert.deepEqual(r, { q: 'a', limit: 5, from: '2025-01-01', to: '2025-06-30', category: 'math-ph', featured: true, sort: 'upvotes' });
  for (const v of ['1', 'true', 'on']) assert.equal((parseSearchRequest({ q: 'x', featured: v }, 30) as { featured: boolean }).featured, true, v);
  for (const v of ['0', 'false', '']) assert.equal((parseSearchRequest({ q: 'x', featured: v }, 30) as { featured: boolean }).featured, false, v);
});

test('a bad field gets a message that names it', () => {
  const error = (qs: Record<string, unknown>) => (parseSearchRequest(qs, 30) as { error: string }).error;
  assert.equal(error({ q: 'x'.repeat(251) }), 'search: q is 251 characters long; the limit is 250');
  for (const limit of ['0', '121', '2.5', 'abc', '0x10', '1e1', 'Infinity', ' 5'])
    assert.equal(error({ q: 'x', limit }), 'search: limit must be a whole number from 1 to 120', limit);
  assert.equal(error({ q: 'x', from: '2025-1-1' }), 'search: from and to must be dates like 2025-06-30');
  assert.equal(error({ q: 'x', to: 'yesterday' }), 'search: from and to must be dates like 2025-06-30');
  // Days that do not exist, refused as /api/daily_papers refuses them.
  for (const from of ['2025-02-30', '2025-13-01', '0000-00-00', '2023-02-29'])
    assert.equal(error({ q: 'x', from }), 'search: from and to must be dates like 2025-06-30', from);
  assert.equal((parseSearchRequest({ q: 'x', from: '2024-02-29' }, 30) as { from: string }).from, '2024-02-29');
  for (const category of ['cs..LG', '.cs', 'cs LG', '-cs', 'c'.repeat(41)])
    assert.equal(error({ q: 'x', category }), 'search: category must look like cs.LG', category);
  assert.equal(error({ q: 'x', sort: 'bogus' }), 'search: sort must be one of relevance, date, upvotes');
  assert.match(error({ q: 'x', featured: 'maybe' }), /^search: featured must be 1 or 0/);
});
