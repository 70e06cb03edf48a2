import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { MAX_QUERY_TERMS, parseQuery, queryArxivId, titleKey } from './query.js';
import { SqliteLexicalIndex, createStandaloneSchema, toFts5Query } from './sqlite-fts5.js';

const NASTY = [
  '"',
  '"NEAR(',
  'NEAR(a b, 2)',
  'a AND OR NOT b',
  '-foo *bar* title:baz ^qux',
  '((((unbalanced',
  ')) ]] }}',
  "'; DROP TABLE papers; --",
  '"unterminated phrase',
  'x'.repeat(10_000),
  'word '.repeat(2_000),
  '',
  '   ',
  '\u0000\u2028 emoji 🤖',
];

test('parseQuery keeps balanced quoted phrases and plain words only', () => {
  assert.deepEqual(parseQuery('"graph neural networks" for molecules'), {
    phrases: [['graph', 'neural', 'networks']],
    terms: ['molecules'],
  });
  assert.deepEqual(parseQuery('"unterminated phrase'), { phrases: [], terms: ['unterminated', 'phrase'] });
  assert.deepEqual(parseQuery('NEAR(a b, 2)').terms, ['near', 'b', '2']);
  assert.deepEqual(parseQuery('the of'), { phrases: [], terms: ['the', 'of'] });
  assert.ok(parseQuery('w'.repeat(3) + ' ' + Array.from({ length: 200 }, (_, i) => `t${i}`).join(' ')).terms.length <= MAX_QUERY_TERMS);
});

test('toFts5Query quotes every token and requires phrases', () => {
  assert.equal(toFts5Query(parseQuery('graph -networks*')), '"graph" OR "networks"');
  assert.equal(toFts5Query(parseQuery('"a b" c')), '"a b" AND ("a b" OR "c")');
  assert.equal(toFts5Query(parseQuery('"')), null);
});

test('queryArxivId recognises new and old ids, with versions and URLs', () => {
  assert.equal(queryArxivId(' 2506.10527v2 '), '2506.10527');
  assert.equal(queryArxivId('https://arxiv.org/abs/2506.10527'), '2506.10527');
  assert.equal(queryArxivId('hep-th/9901001'), 'hep-th/9901001');
  assert.equal(queryArxivId('2506.10527 transformers'), null);
});

function fixture(): SqliteLexicalIndex {
  const db = new Database(':memory:');
  createStandaloneSchema(db);
  const ins = db.prepare('INSERT INTO papers (arxiv_id, title, abstract, authors) VALUES (?, ?, ?, ?)');
  ins.run('2501.00001', 'Graph neural networks for molecules', 'We learn molecular property prediction with message passing.', 'Ada Lovelace');
  ins.run('2501.00002', 'Networks', 'A survey of neural networks, graph methods and molecules of all kinds.', 'Alan Turing');
  ins.run('2501.00003', 'Sharpness and generalization', 'Flat minima generalize better in deep networks.', 'Grace Hopper');
  ins.run('2501.00004', 'Attention is all you need', 'Transformers replace recurrence with attention.', 'A. Vaswani');
  return new SqliteLexicalIndex(db);
}

test('FTS5 search never throws on hostile input', () => {
  const idx = fixture();
  for (const q of NASTY) assert.doesNotThrow(() => idx.searchSync(q, { limit: 10 }), `query ${JSON.stringify(q.slice(0, 30))}`);
});

test('title words outrank abstract words; a quoted phrase is honoured', () => {
  const idx = fixture();
  assert.equal(idx.searchSync('molecules', { limit: 5 })[0].id, '2501.00001');
  const phrase = idx.searchSync('"neural networks" molecules', { limit: 5 }).map((h) => h.id);
  assert.deepEqual(phrase.sort(), ['2501.00001', '2501.00002']);
  assert.deepEqual(idx.searchSync('"networks neural"', { limit: 5 }), []);
});

test('an arXiv id or an exact title typed as the query comes first', () => {
  const idx = fixture();
  assert.equal(idx.searchSync('2501.00003v1', { limit: 5 })[0].id, '2501.00003');
  assert.equal(idx.searchSync('Networks', { limit: 5 })[0].id, '2501.00002');
  assert.equal(idx.searchSync('attention is all you need', { limit: 5 })[0].id, '2501.00004');
  assert.equal(titleKey('Attention Is All You Need!'), 'attention is all you need');
});
