import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { buildPaper, cleanText, contentHash, jsonString, texAccentsToUnicode, type PaperRecord } from './paper.js';
import { snapshotToRecord } from './snapshot.js';
import { readFixture } from '../testing/fixtures.js';

// The hash as the first versions computed it; databases they filled store it.
function legacyHash(p: PaperRecord): string {
  const text = JSON.stringify([
    p.version,
    p.title,
    p.abstract,
    p.authors,
    p.categories,
    p.publishedAt,
    p.updatedAt,
    p.comments,
    p.journalRef,
    p.doi,
    p.license,
  ]);
  return crypto.createHash('sha1').update(text).digest('base64url');
}

test('jsonString is JSON.stringify for every kind of string', () => {
  const samples = [
    '',
    'plain',
    'say "hi"',
    'back\\slash',
    '\\"',
    'tab\there',
    'nl\nx',
    '\u0000\u0001\u001f\u007f',
    '\b\f\r',
    'é ü 日本',
    '😀 pair',
    'lone \ud800 high',
    'lone \udc00 low',
    'reversed \udc00\ud800',
    'end \ud83d',
    '\u2028\u2029',
    "$\\alpha$ ``q''",
  ];
  // And random strings over the interesting code units.
  const units = [0, 8, 9, 10, 13, 31, 32, 34, 39, 47, 92, 127, 233, 0x2028, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xfeff, 0x61];
  for (let i = 0; i < 2000; i++) {
    samples.push(String.fromCharCode(...Array.from({ length: i % 12 }, (_, k) => units[(i * 7 + k * 13 + ((i * k) >> 2)) % units.length])));
  }
  for (const s of samples) assert.equal(jsonString(s), JSON.stringify(s), JSON.stringify(s));
});

test('cleanText and texAccentsToUnicode: the quick paths give what the full replacements give', () => {
  // cleanText first tests whether there is anything to collapse, texAccentsToUnicode whether there
  // is a backslash; every string of these characters up to length 4 must come out as before.
  const full = (s: string) =>
    s
      .replace(/[\x00-\x08\x0e-\x1f\x7f-\x9f]/g, '')
      .replace(/\s{2,}|[\t\n\r\f\v]/g, ' ')
      .trim();
  const chars = [' ', '\n', '\t', '\r', '\v', '\f', '\u00a0', '\u2028', '\u3000', '\ufeff', 'a', 'é', '\u0000', '\u001b', '\u007f', '\u0085'];
  let strings = [''];
  for (let n = 0; n < 4; n++) strings = strings.flatMap((s) => chars.map((c) => s + c));
  for (const s of strings) assert.equal(cleanText(s), full(s), JSON.stringify(s));
  assert.equal(cleanText(null), '');
  assert.equal(cleanText(' Deep  learning\n  for  graphs '), 'Deep learning for graphs');
  // Control characters (issue #24: they reached the pages raw) are dropped, the breaks and tabs collapse.
  assert.equal(cleanText('Deep\u0000 learn\u0008ing\u001b[31m for\u007f\tgraphs\u0085'), 'Deep learning[31m for graphs');
  assert.equal(texAccentsToUnicode(String.raw`Bal\'azs G{\"o}del`), 'Balázs Gödel');
  assert.equal(texAccentsToUnicode('Plain Name'), 'Plain Name');
});

test('contentHash is the hash stored by earlier versions (so re-imports over their databases stay unchanged)', () => {
  const records: PaperRecord[] = [
    buildPaper(),
    buildPaper({
      title: 'Quotes "and" \\backslashes\\ $\\alpha$',
      comments: 'x\u0001y',
      journalRef: 'J. Phys. \ud800',
      doi: '10.1/x',
      license: 'http://x',
      version: 7,
    }),
    buildPaper({ authors: [], categories: ['hep-th'], abstract: '' }),
    buildPaper({ authors: ['Ö "Q" \\', '日本'] }),
  ];
  for (const line of readFixture('arxiv-metadata/kaggle-oai-snapshot-head200.jsonl').split('\n')) {
    if (line.trim()) records.push(snapshotToRecord(JSON.parse(line)));
  }
  // Untyped input that breaks the field types still hashes as before.
  records.push({ ...buildPaper(), comments: undefined } as unknown as PaperRecord);
  records.push({ ...buildPaper(), authors: ['a', 3] } as unknown as PaperRecord);
  for (const r of records) assert.equal(contentHash(r), legacyHash(r), r.id);
});
