import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatScore, labelledKeywords, phrasesMatch, scoreKeywords, type LabelledPaper } from '../testing/keyword-eval.js';
import { BASE_MODEL_FILE } from '../search/corpus-model/base.js';
import { CorpusModel } from '../search/corpus-model/model.js';
import { dot } from '../search/vectors/vector-math.js';
import { keywords, type PhraseFactor } from './keywords.js';

// The key phrases (ai_keywords) measured on 50 real abstracts labelled by hand
// (src/testing/fixtures/labels/keywords.jsonl; how they were labelled: the README beside it). A phrase
// matches a label when both are the same words after stemming, or the words of one run inside the
// other's. Floors: what was measured on 2026-12-07, a little under.

const PRECISION_FLOOR = 0.7; // measured 0.725
const RECALL_FLOOR = 0.42; // measured 0.447

const ours = (p: LabelledPaper) => keywords(p.title, p.abstract);

test('matching: stemmed words equal, or one phrase inside the other', () => {
  assert.ok(phrasesMatch('Sparse Attention', 'sparse attention'));
  assert.ok(phrasesMatch('speculative decoding attacks', 'Speculative decoding'));
  assert.ok(phrasesMatch('diffusion language model', 'diffusion language models'));
  assert.ok(!phrasesMatch('attention', 'sparse retrieval'));
  assert.ok(!phrasesMatch('sparse attention', 'attention sparse kernels'));
});

test('key phrases on 50 hand-labelled abstracts: precision and recall', () => {
  const all = labelledKeywords();
  assert.equal(all.length, 50);
  const s = scoreKeywords(all, ours);
  console.log(`keywords on the labelled sample: ${formatScore(s)}`);
  for (const half of ['tune', 'report'] as const) {
    console.log(
      `  ${half} half: ${formatScore(
        scoreKeywords(
          all.filter((p) => p.half === half),
          ours,
        ),
      )}`,
    );
  }
  assert.ok(s.precision >= PRECISION_FLOOR, `precision ${s.precision.toFixed(3)} < ${PRECISION_FLOOR}`);
  assert.ok(s.recall >= RECALL_FLOOR, `recall ${s.recall.toFixed(3)} < ${RECALL_FLOOR}`);
});

// The issue asks for candidates scored by closeness to the paper's vector too. Tried with the demo
// corpus model (trained on the 7,307 daily-arxiv-cs papers these abstracts come from; since then the
// shipped base model, models/base.pbem, which this test now loads, replaced it): each
// candidate's score times (1 + w * cosine(phrase vector, paper vector)), w chosen on the tune half,
// reported on the other. It trades recall for precision and did not raise F1 on the tune half
// (0.564 without; best with, w = 0.25: 0.553), so keywords() does not use it. This test prints the
// figures again so that a better model can be judged the same way.
test('closeness to the paper in the corpus model: tuned on one half, reported on the other', async () => {
  const model = await CorpusModel.load(BASE_MODEL_FILE);
  const withModel =
    (w: number) =>
    (p: LabelledPaper): string[] => {
      const paper = model.embed(`${p.title}\n${p.abstract}`);
      const factor: PhraseFactor = (key) => 1 + w * Math.max(0, dot(model.embed(key), 0, paper, 0, model.dim));
      return keywords(p.title, p.abstract, factor);
    };
  const all = labelledKeywords();
  const tune = all.filter((p) => p.half === 'tune');
  const report = all.filter((p) => p.half === 'report');
  const tried = [0.25, 0.5, 1, 2, 4].map((w) => ({ w, s: scoreKeywords(tune, withModel(w)) }));
  const best = tried.reduce((a, b) => (b.s.f1 > a.s.f1 ? b : a));
  const without = scoreKeywords(tune, ours);
  for (const t of tried) console.log(`  tune half, w = ${t.w}: ${formatScore(t.s)}`);
  console.log(`  tune half without the model: ${formatScore(without)}`);
  console.log(`  report half, w = ${best.w}: ${formatScore(scoreKeywords(report, withModel(best.w)))}`);
  console.log(`  report half without the model: ${formatScore(scoreKeywords(report, ours))}`);
  assert.ok(best.s.precision > 0 && best.s.recall > 0);
});
