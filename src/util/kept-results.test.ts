import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeptResults } from './kept-results.js';

test('kept results: computed once while the inputs are the same, again when they change', () => {
  const kept = new KeptResults<string>(10);
  let computed = 0;
  const upper = (id: string, text: string) =>
    kept.get(id, [text], () => {
      computed++;
      return text.toUpperCase();
    });
  assert.equal(upper('a', 'one'), 'ONE');
  // the same text as another string (a fresh read from the store) counts as the same
  assert.equal(upper('a', ['o', 'n', 'e'].join('')), 'ONE');
  assert.equal(computed, 1);
  assert.equal(upper('a', 'two'), 'TWO');
  assert.equal(computed, 2);
  assert.equal(upper('b', 'two'), 'TWO');
  assert.equal(computed, 3, 'another id is another record');
});

test('kept results: the least recently asked for is dropped past the limit', () => {
  const kept = new KeptResults<number>(2);
  let computed = 0;
  const get = (id: string) =>
    kept.get(id, [id], () => {
      computed++;
      return id.length;
    });
  get('a');
  get('b');
  get('a'); // a is now the most recent
  get('c'); // drops b
  assert.equal(kept.size, 2);
  assert.equal(computed, 3);
  get('a');
  assert.equal(computed, 3, 'a was kept');
  get('b');
  assert.equal(computed, 4, 'b was dropped');
});
