import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readFixture } from '../testing/fixtures.js';
import { SHARED_DATA } from '../testing/paths.js';
import { KEYWORDS_MAX, KEYWORDS_MIN, keywords, paperKeywords } from './keywords.js';

const abstracts = (): { id: string; abstract: string }[] =>
  readFixture('labels/summaries.jsonl')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

test('3 to 8 key phrases on each of 60 real abstracts: no numbers-only phrase, none inside another, no LaTeX', () => {
  for (const { id, abstract } of abstracts()) {
    const got = keywords('', abstract);
    assert.ok(got.length >= KEYWORDS_MIN && got.length <= KEYWORDS_MAX, `${id}: ${got.join(' | ')}`);
    const lower = got.map((k) => k.toLowerCase());
    assert.equal(new Set(lower).size, got.length, id);
    for (const k of lower) {
      assert.match(k, /[a-z]/, `${id}: ${k}`);
      assert.doesNotMatch(k, /[\\${}]/, `${id}: ${k}`);
      for (const other of lower) if (other !== k) assert.ok(!` ${other} `.includes(` ${k} `), `${id}: "${k}" inside "${other}"`);
    }
  }
});

test('clear cases: the named method and its parts, written as the abstract writes them', () => {
  const byId = new Map(abstracts().map((r) => [r.id, r.abstract]));
  const has = (id: string, title: string, want: string[]) => {
    const got = keywords(title, byId.get(id));
    for (const w of want) assert.ok(got.includes(w), `${id}: want "${w}" in ${got.join(' | ')}`);
  };
  // "\textbf{CoMoL}" reads as CoMoL
  has('2603.00573', 'CoMoL: Efficient Mixture of LoRA Experts via Dynamic Core Space Merging', ['CoMoL', 'core space experts', 'core space routing']);
  has('2603.00917', '', ['instruction-following failure']);
  has('2603.01252', '', ['KG-Followup']);
});

test('a phrase in the title ranks first; stopwords, numbers and math are never phrases', () => {
  const got = keywords(
    'Sparse attention kernels for long documents',
    'We propose sparse attention kernels with $O(n \\log n)$ cost. Sparse attention kernels run on 2048 tokens in 12 ms. Long documents need them, and long documents are common.',
  );
  assert.equal(got[0], 'sparse attention kernels');
  assert.ok(got.includes('long documents'), got.join(' | '));
  for (const k of got) assert.doesNotMatch(k, /^\d+$|\bwe\b|\blog\b/);
  assert.deepEqual(keywords('', ''), []);
});

// Hugging Face's own ai_keywords (a model's) as a reference: how many of ours are among theirs
// (the same phrase, or one containing the other). Skipped without ../shared/data.
const hf = path.join(SHARED_DATA, 'hf-daily-papers');
test('overlap with Hugging Face ai_keywords on its 30 items', { skip: !fs.existsSync(hf) && 'no ../shared/data' }, () => {
  let ours = 0;
  let matched = 0;
  let papersWithOne = 0;
  const items = fs
    .readdirSync(hf)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => JSON.parse(fs.readFileSync(path.join(hf, f), 'utf8')) as { paper: { title: string; summary: string; ai_keywords: string[] } }[]);
  for (const { paper } of items) {
    if (!paper.ai_keywords?.length) continue;
    const theirs = paper.ai_keywords.map((k) => k.toLowerCase());
    const got = keywords(paper.title, paper.summary).map((k) => k.toLowerCase());
    const hits = got.filter((k) => theirs.some((t) => t === k || ` ${t} `.includes(` ${k} `) || ` ${k} `.includes(` ${t} `))).length;
    ours += got.length;
    matched += hits;
    if (hits) papersWithOne++;
  }
  const share = matched / ours;
  console.log(
    `keywords vs Hugging Face ai_keywords: ${matched}/${ours} = ${share.toFixed(3)} of ours match one of theirs; ${papersWithOne}/${items.filter((i) => i.paper.ai_keywords?.length).length} papers share at least one`,
  );
  assert.ok(share >= 0.45, share.toFixed(3));
});

test("a paper's keywords are remembered until its title or abstract changes", () => {
  const p = {
    id: '2603.09999',
    title: 'Core space experts for instruction following',
    abstract: 'We route tokens to core space experts. Core space experts share a core space and follow instructions.',
  };
  const first = paperKeywords(p);
  assert.deepEqual(first, keywords(p.title, p.abstract));
  assert.equal(paperKeywords({ ...p }), first, 'the same text: the remembered phrases');
  const revised = { ...p, abstract: 'Retrieval augmented generation with sparse retrieval. Sparse retrieval finds passages for generation.' };
  assert.deepEqual(paperKeywords(revised), keywords(revised.title, revised.abstract));
  assert.notDeepEqual(paperKeywords(revised), first, 'a new abstract: new phrases');
});
