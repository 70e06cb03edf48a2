import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFixture } from '../testing/fixtures.js';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { findCodeLinks, linkMatches, normalise, URL_RE } from './code-links.js';
import { DEMO_PAPERS } from './demo.js';
import { cleanText } from './paper.js';

interface Labelled {
  id: string;
  abstract: string;
  comments: string | null;
  expected: string[];
}

function measure(file: string): { texts: number; precision: number; recall: number } {
  const rows = readFixture(`labels/${file}`)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Labelled);
  let found = 0;
  let right = 0;
  let expected = 0;
  let papersRight = 0;
  const misses: string[] = [];
  for (const r of rows) {
    // As the store sees them: cleaned as every import and harvest cleans its text.
    const got = findCodeLinks(cleanText(r.abstract), cleanText(r.comments)).links.map((l) => l.url);
    found += got.length;
    expected += r.expected.length;
    right += got.filter((u) => r.expected.includes(u)).length;
    const same = got.length === r.expected.length && got.every((u) => r.expected.includes(u));
    if (same) papersRight++;
    else misses.push(`${r.id}: got ${JSON.stringify(got)}, expected ${JSON.stringify(r.expected)}`);
  }
  const precision = right / found;
  const recall = right / expected;
  console.log(
    `code links (${file}): ${rows.length} texts (${rows.filter((r) => r.expected.length).length} with links), ${expected} links labelled, ${found} found, ${right} right: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}, texts exactly right ${papersRight}/${rows.length}`,
  );
  for (const m of misses) console.log(`  ${m}`);
  return { texts: rows.length, precision, recall };
}

test('code links: precision and recall on hand-labelled real abstracts and comments (src/testing/fixtures/labels/)', () => {
  // The sample the extractor was written against (207 texts), and 45 texts labelled after it.
  const dev = measure('code-links.jsonl');
  const heldOut = measure('code-links-heldout.jsonl');
  assert.ok(dev.texts + heldOut.texts >= 200);
  for (const m of [dev, heldOut]) {
    assert.ok(m.precision >= 0.9, `precision ${m.precision}`);
    assert.ok(m.recall >= 0.9, `recall ${m.recall}`);
  }
});

test('code links: normalised to one form', () => {
  const cases: [string, string | null][] = [
    ['https://github.com/Owner/Repo.git', 'https://github.com/Owner/Repo'],
    ['http://www.GitHub.com/owner/repo/tree/main/src', 'https://github.com/owner/repo'],
    ['github.com/owner/repo).', 'https://github.com/owner/repo'],
    ['https://gitlab.com/group/sub/proj/-/tree/master', 'https://gitlab.com/group/sub/proj'],
    ['https://HF.co/datasets/org/set/viewer', 'https://huggingface.co/datasets/org/set'],
    ['https://Name.GitHub.io/Project/', 'https://name.github.io/Project'],
    ['https://anonymous.4open.science/r/X-1A2B/README.md', 'https://anonymous.4open.science/r/X-1A2B'],
    ['https://arxiv.org/abs/2401.00001', null],
    ['https://doi.org/10.5281/zenodo.1', null],
  ];
  for (const [raw, want] of cases) assert.equal(normalise(raw)?.url ?? null, want, raw);
});

test('code links: split, wrapped and TeX-written links, and texts with none', () => {
  const one = (abstract: string, comments: string | null = null) => findCodeLinks(abstract, comments).links.map((l) => l.url);
  assert.deepEqual(one('Code is at https://github.com/\nowner/repo.'), ['https://github.com/owner/repo']);
  assert.deepEqual(one(cleanText('Code is at https://github.com/\nowner/repo.')), ['https://github.com/owner/repo']);
  assert.deepEqual(one('Code: https: // github. com/ owner/ my-repo .'), ['https://github.com/owner/my-repo']);
  assert.deepEqual(one('Code: \\href{https://github.com/o/r\\_x}{here}, data \\url{https://huggingface.co/datasets/o/d}.'), [
    'https://github.com/o/r_x',
    'https://huggingface.co/datasets/o/d',
  ]);
  assert.deepEqual(one('See https://name. github.io/page/ for videos.'), ['https://name.github.io/page']);
  assert.deepEqual(one('Code: [https://github.com/o/r](https://github.com/o/r)'), ['https://github.com/o/r']);
  assert.deepEqual(one('Code will be released upon acceptance.', '12 pages'), []);
  assert.deepEqual(one('We use a code base on GitHub and the github.com site.'), []);
  const found = findCodeLinks('Project: https://x.github.io/p. Code (https://github.com/a/b).', 'Model: https://huggingface.co/a/m');
  assert.equal(found.repo, 'https://github.com/a/b');
  assert.equal(found.page, 'https://x.github.io/p');
  assert.deepEqual(
    found.links.map((l) => l.kind),
    ['page', 'github', 'huggingface'],
  );
});

test('links are matched word by word exactly as over the whole text (the 7,307 demo papers and edge cases)', () => {
  const whole = (t: string) => [...t.matchAll(URL_RE)].map((m) => ({ index: m.index, text: m[0] }));
  const texts = [
    'https://github.com/a/b at the start, www.example.org/x. and at the end github.com/c/d',
    'no link: e.g. a.b, ratio 3:4 and a\u00a0github.com/x/y after a no-break space\u2028huggingface.co/m',
    'code.at github.io/ and x.gitlab.com/ns/p\ttab-separated foo.ai/bar:baz',
    'served at http://localhost/app and http://10/x',
    ':.',
    '',
    '...',
    'a.',
    '.b',
  ];
  for (const line of gunzipSync(readFileSync(DEMO_PAPERS)).toString('utf8').split('\n')) {
    if (!line) continue;
    const p = JSON.parse(line) as { abstract?: string; comments?: string | null };
    texts.push(`${p.abstract ?? ''}\n${p.comments ?? ''}`);
  }
  assert.ok(texts.length > 7000, `${texts.length} texts`);
  let links = 0;
  for (const t of texts) {
    const expected = whole(t);
    links += expected.length;
    assert.deepEqual([...linkMatches(t)], expected, t);
  }
  assert.ok(links > 1000, `${links} links matched`);
});
