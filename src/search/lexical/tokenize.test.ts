import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeText, sentences, tokenize, words } from './tokenize.js';

test('tokenize lower-cases, strips diacritics, drops stop words and stems', () => {
  assert.deepEqual(tokenize('The Generalization of Neural Networks'), ['gener', 'neural', 'network']);
  assert.deepEqual(tokenize('Schrödinger équations'), ['schroding', 'equat']);
  assert.deepEqual(tokenize('we propose a new method'), []);
});

test('LaTeX stays readable: commands become words, markup disappears', () => {
  assert.deepEqual(words('$\\mathcal{O}(n \\log n)$ with $\\alpha$-divergence'), ['o', 'n', 'log', 'n', 'with', 'alpha', 'divergence']);
  assert.equal(normalizeText('x^{2}_i').trim().split(/\s+/).join(' '), 'x 2 i');
});

test('digits and short tokens are not stemmed; single letters are dropped', () => {
  assert.deepEqual(tokenize('3D GPT-4 models x'), ['3d', 'gpt', '4', 'model']);
});

test('sentences splits an abstract on sentence ends', () => {
  assert.deepEqual(sentences('We study graphs in depth here. Results are strong everywhere. ok'), [
    'We study graphs in depth here.',
    'Results are strong everywhere. ok',
  ]);
});
