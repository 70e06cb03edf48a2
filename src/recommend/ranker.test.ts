import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TermStats, sparseDot, termCounts, weigh } from './features.js';
import { type RankPaper, featureColumns, fitReader, rankForReader } from './ranker.js';
import { rankPaper } from './recommender.js';
import { reasonText } from './service.js';

const TEXTS = {
  asr1: { title: 'Streaming speech recognition with transducers', abstract: 'We train speech recognition transducers for low latency streaming.' },
  asr2: { title: 'Speech recognition for accented English', abstract: 'Accented speech recognition improves with accent-aware adapters.' },
  asr3: { title: 'Self-supervised speech recognition', abstract: 'Speech recognition models learn from unlabelled audio before fine-tuning.' },
  mt1: { title: 'Neural machine translation of legal text', abstract: 'Machine translation models translate contracts between German and English.' },
  mt2: { title: 'Low-resource machine translation', abstract: 'Machine translation for languages with little parallel data uses back-translation.' },
  rl1: { title: 'Reward models for reinforcement learning from human feedback', abstract: 'Reward models trained on preferences guide policy optimisation.' },
  rl2: { title: 'Offline reinforcement learning', abstract: 'Policies are learnt from logged data without interaction.' },
};
type Key = keyof typeof TEXTS;

function papers(): Map<Key, RankPaper> {
  const stats = new TermStats();
  const counts = new Map(Object.entries(TEXTS).map(([k, t]) => [k as Key, termCounts(t)]));
  for (const c of counts.values()) stats.add(c);
  return new Map([...counts].map(([k, c]) => [k, { id: k, title: TEXTS[k].title, text: weigh(c, stats), vector: null }]));
}

test('a paper is its words and word pairs, weighted and of unit length', () => {
  const c = termCounts({ title: 'Speech recognition', abstract: 'speech' });
  // "speech" three times (title twice, abstract), "recognit" twice, the pair "speech recognit" twice, and pairs across the title's repeat
  assert.ok(c.size >= 3);
  assert.ok([...c.values()].includes(3));
  const p = papers().get('asr1')!;
  assert.ok(Math.abs(sparseDot(p.text, p.text) - 1) < 1e-5, 'unit length');
  assert.ok(
    [...p.text.ids].every((id, i, a) => i === 0 || a[i - 1] < id),
    'feature ids ascending',
  );
});

test("a reader's ranking follows what they liked, leaves out what they liked or dismissed, and names the liked paper behind each", () => {
  const p = papers();
  const model = fitReader([p.get('asr1')!, p.get('asr2')!], []);
  const ranked = rankForReader(model, [...p.values()]);
  assert.equal(ranked[0].id, 'asr3', 'the other speech recognition paper first');
  assert.ok(!ranked.some((r) => r.id === 'asr1' || r.id === 'asr2'), 'liked papers are not recommended back');
  assert.ok(['asr1', 'asr2'].includes(ranked[0].because!.id));
  assert.equal(ranked[0].because!.title, TEXTS[ranked[0].because!.id as Key].title);
  // Scores are best first.
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1].score >= ranked[i].score);
});

test('dismissing papers lowers the papers like them', () => {
  const p = papers();
  const liked = [p.get('asr1')!, p.get('mt1')!];
  const candidates = [p.get('asr3')!, p.get('mt2')!, p.get('rl1')!, p.get('rl2')!];
  const before = rankForReader(fitReader(liked), candidates);
  const after = rankForReader(fitReader(liked, [p.get('asr2')!]), candidates);
  const pos = (r: { id: string }[], id: string) => r.findIndex((x) => x.id === id);
  assert.ok(pos(after, 'asr3') > pos(before, 'asr3') || after.find((x) => x.id === 'asr3')!.score < before.find((x) => x.id === 'asr3')!.score);
  assert.ok(!after.some((r) => r.id === 'asr2'), 'a dismissed paper is never recommended');
});

test('with corpus-model vectors the vector similarity counts too', () => {
  const p = papers();
  // Vectors that say rl2 is like the liked paper although its words are not.
  const vec = (x: number) => Float32Array.from([x, Math.sqrt(1 - x * x)]);
  const liked = [{ ...p.get('asr1')!, vector: vec(1) }];
  const candidates = [
    { ...p.get('mt2')!, vector: vec(0) },
    { ...p.get('rl2')!, vector: vec(1) },
    { ...p.get('rl1')!, vector: vec(0) },
  ];
  const textOnly = rankForReader(fitReader(liked), candidates, { text: 1, vector: 0, nearest: 0, owners: 0, nearText: 0, fisher: 0, dismissed: 0.5 });
  const both = rankForReader(fitReader(liked), candidates, { text: 1, vector: 5, nearest: 0, owners: 0, nearText: 0, fisher: 0, dismissed: 0.5 });
  assert.equal(both[0].id, 'rl2');
  assert.notDeepEqual(
    both.map((r) => r.id),
    textOnly.map((r) => r.id),
  );
});

test('a paper that links code of an owner the liked papers link ranks above one that does not', () => {
  const p = papers();
  const stats = new TermStats();
  const texts = {
    liked: { title: 'Parsing with transformers', abstract: 'Code: https://github.com/acme-nlp/parser.' },
    same: { title: 'Tagging with recurrent networks', abstract: 'Code is at github.com/acme-nlp/tagger' },
    other: { title: 'Tagging with recurrent networks', abstract: 'Code is at github.com/someone/tagger' },
  };
  for (const t of Object.values(texts)) stats.add(termCounts(t));
  const [liked, same, other] = Object.entries(texts).map(([id, t]) => ({ ...rankPaper({ id, ...t }, stats, null) }));
  assert.deepEqual(Array.from(same.owners!), Array.from(liked.owners!), 'github.com/acme-nlp in both');
  assert.notDeepEqual(Array.from(other.owners!), Array.from(liked.owners!));
  const ranked = rankForReader(fitReader([liked, p.get('rl1')!]), [other, same]);
  assert.deepEqual(
    ranked.map((r) => r.id),
    ['same', 'other'],
  );
});

test('a paper near one of several interests ranks above one near their mean', () => {
  const p = papers();
  const unit = (...xs: number[]) => {
    const n = Math.hypot(...xs);
    return Float32Array.from(xs, (x) => x / n);
  };
  const liked = [
    { ...p.get('asr1')!, vector: unit(1, 0, 0) },
    { ...p.get('mt1')!, vector: unit(0, 1, 0) },
  ];
  // Words alike for both (rl1, rl2 share none with the liked papers): only the vectors tell them apart.
  const near = { ...p.get('rl1')!, vector: unit(0.97, 0.05, 0.2) };
  const middle = { ...p.get('rl2')!, vector: unit(0.62, 0.62, 0.1) };
  const w = { text: 0, vector: 1, nearest: 0, owners: 0, nearText: 0, fisher: 0, dismissed: 0.5 };
  assert.equal(rankForReader(fitReader(liked), [near, middle], w)[0].id, 'rl2', 'by the mean alone, the middle one');
  assert.equal(rankForReader(fitReader(liked), [near, middle], { ...w, nearest: 3 })[0].id, 'rl1', 'the nearest liked paper lifts the other');
});

test('when no liked paper is close, the reason is the words that drove the score', () => {
  const stats = new TermStats();
  const texts = {
    liked1: { title: 'Speech recognition with transducers', abstract: 'Transducers for streaming speech recognition on phones.' },
    liked2: { title: 'Accented speech recognition', abstract: 'Adapters for accented speech recognition.' },
    close: { title: 'Streaming speech recognition with transducers on phones', abstract: 'Transducers for streaming speech recognition on phones, faster.' },
    far: {
      title: 'A survey of dialogue systems',
      abstract: 'Dialogue systems, chat agents, task bots, user simulators, evaluation of dialogue, and one note on speech recognition.',
    },
    other1: { title: 'Graph neural networks for molecules', abstract: 'Molecules as graphs.' },
    other2: { title: 'Vision transformers for images', abstract: 'Images as patches.' },
  };
  for (const t of Object.values(texts)) stats.add(termCounts(t));
  // Corpus-model vectors: the survey is far from both liked papers, the streaming paper near the first.
  const unit = (...xs: number[]) => {
    const n = Math.hypot(...xs);
    return Float32Array.from(xs, (x) => x / n);
  };
  const vectors: Record<string, Float32Array> = {
    liked1: unit(1, 0, 0, 0),
    liked2: unit(0.8, 0.6, 0, 0),
    close: unit(0.95, 0.1, 0.1, 0),
    far: unit(0.2, 0, 0.2, 1),
    other1: unit(0, 0, 1, 0),
    other2: unit(0, 0, 0.3, 1),
  };
  const rp = Object.fromEntries(Object.entries(texts).map(([id, t]) => [id, rankPaper({ id, ...t }, stats, vectors[id])]));
  const ranked = rankForReader(fitReader([rp.liked1, rp.liked2]), [rp.close, rp.far, rp.other1, rp.other2]);
  const close = ranked.find((r) => r.id === 'close')!;
  const far = ranked.find((r) => r.id === 'far')!;
  assert.equal(close.because?.id, 'liked1');
  assert.equal(close.words, null);
  assert.equal(far.because, null, 'no liked paper is close to the survey (cosine 0.2 and 0.16)');
  assert.ok(far.words?.length, 'its words instead');
  assert.ok(
    far.words!.some((w) => /speech|recognition/.test(w)),
    far.words!.join(', '),
  );
  assert.equal(reasonText(far.because, undefined, far.words), `your words: ${far.words!.map((w) => `"${w}"`).join(', ')}`);
  assert.equal(reasonText(close.because, 'saved', close.words), 'like "Speech recognition with transducers" you saved');
});

test("a paper sharing a rare name with one liked paper ranks above one near the liked papers' mean words", () => {
  const stats = new TermStats();
  // The reader liked one paper on a data set (FooBench) and four on general translation; "shared" names
  // FooBench, "mean" is about translation like most of them but in words that none of them uses alone.
  const texts = {
    foo: { title: 'FooBench: a test of grounding', abstract: 'FooBench grounding questions.' },
    mt1: { title: 'Machine translation of news', abstract: 'Translation models for low-resource languages, on news.' },
    mt2: { title: 'Machine translation of law', abstract: 'Translation models for low-resource languages, on law.' },
    mt3: { title: 'Machine translation of poems', abstract: 'Translation models for low-resource languages, on poems.' },
    mt4: { title: 'Machine translation of recipes', abstract: 'Translation models for low-resource languages, on recipes.' },
    mt5: { title: 'Machine translation of songs', abstract: 'Translation models for low-resource languages, on songs.' },
    mt6: { title: 'Machine translation of menus', abstract: 'Translation models for low-resource languages, on menus.' },
    mt7: { title: 'Machine translation of tweets', abstract: 'Translation models for low-resource languages, on tweets.' },
    shared: { title: 'FooBench, a test of grounding, revisited', abstract: 'FooBench grounding questions again.' },
    mean: { title: 'Machine translation models', abstract: 'Translation models for low-resource languages.' },
    pad1: { title: 'Graph neural networks for molecules', abstract: 'Molecules as graphs.' },
    pad2: { title: 'Vision transformers for images', abstract: 'Images as patches.' },
  };
  for (const t of Object.values(texts)) stats.add(termCounts(t));
  // A corpus of other subjects around them, so that the translation papers' shared words are rare too.
  for (let i = 0; i < 300; i++) stats.add(termCounts({ title: `Subject ${i}`, abstract: `Word${i} and word${i + 1}.` }));
  const rp = Object.fromEntries(Object.entries(texts).map(([id, t]) => [id, rankPaper({ id, ...t }, stats, null)]));
  const model = fitReader([rp.foo, rp.mt1, rp.mt2, rp.mt3, rp.mt4, rp.mt5, rp.mt6, rp.mt7]);
  const candidates = [rp.shared, rp.mean, rp.pad1, rp.pad2];
  const w = { text: 1, vector: 0, nearest: 0, owners: 0, nearText: 0, fisher: 0, dismissed: 0.5 };
  assert.equal(rankForReader(model, candidates, w)[0].id, 'mean', 'by the mean profile alone, the translation paper');
  assert.equal(rankForReader(model, candidates, { ...w, nearText: 2 })[0].id, 'shared', 'the liked paper nearest by words lifts the other');
  // featureColumns gives the same similarity, standardised over the list.
  const cols = featureColumns(model, candidates);
  assert.ok(cols.nearText[0] > cols.nearText[1]);
});

test("each reason names the liked paper whose words are most like the candidate's, as sparseDot of the two texts finds it", () => {
  // rankForReader takes the text similarity to each liked paper from its word loop (no second pass over
  // the texts): the liked paper it names must be the one sparseDot finds best, for every candidate.
  const p = papers();
  const liked = [p.get('asr1')!, p.get('mt1')!, p.get('rl1')!];
  const others = [p.get('asr2')!, p.get('asr3')!, p.get('mt2')!, p.get('rl2')!];
  const model = fitReader(liked);
  const ranked = rankForReader(model, others);
  assert.equal(ranked.length, others.length);
  for (const r of ranked) {
    const cand = others.find((o) => o.id === r.id)!;
    const best = liked.reduce((a, b) => (sparseDot(b.text, cand.text) > sparseDot(a.text, cand.text) ? b : a));
    if (sparseDot(best.text, cand.text) > 0) assert.equal(r.because?.id, best.id, `the reason for ${r.id}`);
  }
  const because = Object.fromEntries(ranked.map((r) => [r.id, r.because?.id]));
  assert.deepEqual(because, { asr2: 'asr1', asr3: 'asr1', mt2: 'mt1', rl2: 'rl1' });
});
