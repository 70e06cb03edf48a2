import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflectionStem, snippet } from './snippet.js';

const marked = (text: string, query: string) =>
  snippet(text, query)
    .filter((p) => p.hit)
    .map((p) => p.text);

test('snippets mark the query words up to inflection, not every word the Porter stemmer folds with them', () => {
  const text = 'A generic recipe for Generalization: we generalize networks, study the generation of learned models, and learning generalizes.';
  // Porter stems generic, generation and generalization all to "gener".
  assert.deepEqual(marked(text, 'generalization'), ['Generalization', 'generalize', 'generalizes']);
  assert.deepEqual(marked(text, 'learning'), ['learned', 'learning']);
  assert.deepEqual(marked(text, 'network model'), ['networks', 'models']);
  assert.deepEqual(marked(text, '"generic recipe"'), ['generic', 'recipe']);
  assert.deepEqual(marked(text, 'transformer'), []);
});

test('inflectionStem folds plurals, -ed, -ing and a final e, and keeps short words whole', () => {
  const cases: [string, string][] = [
    ['studies', 'study'],
    ['classes', 'class'],
    ['matches', 'match'],
    ['networks', 'network'],
    ['learned', 'learn'],
    ['learning', 'learn'],
    ['generalize', 'generaliz'],
    ['generalized', 'generaliz'],
    ['generalizes', 'generaliz'],
    ['process', 'process'],
    ['bus', 'bus'],
    ['the', 'the'],
    ['thing', 'thing'],
    ['used', 'used'],
  ];
  for (const [w, want] of cases) assert.equal(inflectionStem(w), want, w);
});
