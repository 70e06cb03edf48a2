import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorKey, authorKeys } from './author-name.js';

test('author names: initials, however dotted or spaced, are one key', () => {
  for (const name of ['J. R. R. Tolkien', 'J.R.R. Tolkien', 'jrr tolkien', 'J R R TOLKIEN', 'J.R.R.Tolkien', 'Tolkien, J. R. R.', '  J. R.R.  Tolkien ']) {
    assert.equal(authorKey(name), 'jrr tolkien', name);
  }
});

test('author names: accents, case, apostrophes and hyphens', () => {
  assert.equal(authorKey('José Müller'), 'jose muller');
  assert.equal(authorKey('JOSE MULLER'), 'jose muller');
  assert.equal(authorKey('Søren Kierkegaard'), 'soren kierkegaard');
  assert.equal(authorKey('Łukasz Kaiser'), 'lukasz kaiser');
  assert.equal(authorKey('Paul Erdős'), 'paul erdos');
  assert.equal(authorKey("Patrick O'Brien"), 'patrick obrien');
  assert.equal(authorKey('Patrick O’Brien'), 'patrick obrien');
  assert.equal(authorKey('Jean-Pierre Serre'), 'jean pierre serre');
  assert.equal(authorKey('J.-P. Serre'), 'jp serre');
  assert.equal(authorKey('Yann LeCun'), 'yann lecun');
  assert.equal(authorKey('Martin Luther King, Jr.'), 'martin luther king jr');
  // Scripts without case keep their letters.
  assert.equal(authorKey('王小明'), '王小明');
});

test('author names: a full given name and its initial stay apart; nothing left is an empty key', () => {
  assert.notEqual(authorKey('John Smith'), authorKey('J. Smith'));
  assert.notEqual(authorKey('John R. R. Tolkien'), authorKey('J. R. R. Tolkien'));
  assert.equal(authorKey('...'), '');
  assert.equal(authorKey(''), '');
  assert.deepEqual(authorKeys(['A. Smith', 'A Smith', 'B. Jones', '']), ['a smith', 'b jones']);
});
