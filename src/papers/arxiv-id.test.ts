import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArxivId } from './arxiv-id.js';

test('parses every pasted form to the canonical id and version', () => {
  const cases: [string, string, number | null][] = [
    ['2106.01234', '2106.01234', null],
    ['2106.01234v3', '2106.01234', 3],
    ['arXiv:2106.01234', '2106.01234', null],
    ['  arxiv:2106.01234v2 ', '2106.01234', 2],
    ['hep-th/9901001v2', 'hep-th/9901001', 2],
    ['math.AG/0601001', 'math/0601001', null],
    ['https://arxiv.org/abs/2106.01234', '2106.01234', null],
    ['http://arxiv.org/abs/2106.01234v4', '2106.01234', 4],
    ['https://arxiv.org/pdf/2106.01234v2.pdf', '2106.01234', 2],
    ['https://arxiv.org/pdf/2106.01234v2', '2106.01234', 2],
    ['https://export.arxiv.org/abs/hep-th/9901001', 'hep-th/9901001', null],
    ['https://www.arxiv.org/abs/0704.0001?context=cs', '0704.0001', null],
    ['arxiv.org/html/2401.12345v1/', '2401.12345', 1],
  ];
  for (const [input, id, version] of cases) {
    assert.deepEqual(parseArxivId(input), { id, version }, input);
  }
});

test('rejects what is not an arXiv id', () => {
  for (const bad of [
    '',
    'hello',
    '2106.1234',
    '1501.1234',
    '2113.01234',
    '0612.0001',
    'foo/9901001',
    'hep-th/99010011',
    '<script>',
    'x'.repeat(400),
    '2106.01234v',
  ]) {
    assert.equal(parseArxivId(bad), null, bad);
  }
});
