import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPaper, type Paper } from './paper.js';
import { bibtex, citationKey, citationKeys, cslItem, exportPapers, ris } from './citation.js';

// One citation key scheme for the paper page and every export; a key that repeats in a list gets a
// letter after its first use, so the first paper keeps the key its page shows.

const paper = (id: string, title: string, authors = ['Ada Lovelace', 'Alan Turing']): Paper => ({
  ...buildPaper({ id, title, authors, abstract: 'An abstract.', publishedAt: '2026-03-09T12:00:00.000Z', updatedAt: '2026-03-09T12:00:00.000Z' }),
  githubRepo: null,
  projectPage: null,
});

test('keys: the paper page key, letters for repeats in a list', () => {
  const a = paper('2603.00101', 'Towards graph networks');
  assert.equal(citationKey(a), 'lovelace2026graph');
  assert.match(bibtex(a), /^@misc\{lovelace2026graph,/);
  const same = [a, paper('2603.00102', 'Graph networks again'), paper('2603.00103', 'Graph nets'), paper('2603.00104', 'Other')];
  assert.deepEqual(citationKeys(same), ['lovelace2026graph', 'lovelace2026grapha', 'lovelace2026graphb', 'lovelace2026other']);
  assert.equal(citationKey(paper('2603.00105', '???', [])), 'anon2026paper');
});

test('RIS and CSL-JSON carry the same key, the authors family-first and the arXiv id', () => {
  const p = { ...paper('2603.00101', 'Graph {networks}\nfor molecules'), doi: '10.1000/x' };
  const text = ris(p);
  assert.match(
    text,
    /^TY {2}- UNPB\r\nID {2}- lovelace2026graph\r\nTI {2}- Graph \{networks\} for molecules\r\nAU {2}- Lovelace, Ada\r\nAU {2}- Turing, Alan\r\n/,
  );
  assert.match(text, /M1 {2}- arXiv:2603\.00101\r\n/);
  assert.match(text, /DO {2}- 10\.1000\/x\r\nER {2}- \r\n$/);
  assert.deepEqual(cslItem(p).author, [
    { family: 'Lovelace', given: 'Ada' },
    { family: 'Turing', given: 'Alan' },
  ]);
  assert.deepEqual(cslItem(p).issued, { 'date-parts': [[2026, 3, 9]] });
  assert.deepEqual(
    JSON.parse(exportPapers([p, p], 'csl-json')).map((i: { id: string }) => i.id),
    ['lovelace2026graph', 'lovelace2026grapha'],
  );
  assert.equal(exportPapers([], 'csl-json'), '[]\n');
});
