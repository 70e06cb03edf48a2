import { readFixture } from './fixtures.js';
import { stem, words } from '../search/lexical/tokenize.js';

// Key phrases measured against a labelled sample (fixtures/labels/keywords.jsonl, README beside it):
// a phrase matches a label when both are the same words after stemming, or the words of one run
// inside the other's ("sparse attention" and "locality-aware sparse attention").

export interface LabelledPaper {
  id: string;
  title: string;
  abstract: string;
  /** the key phrases a reader would search for, labelled by hand */
  keyphrases: string[];
  /** which half: `tune` to choose settings on, `report` to report them on */
  half: 'tune' | 'report';
}

export function labelledKeywords(): LabelledPaper[] {
  return readFixture('labels/keywords.jsonl')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LabelledPaper);
}

/** A phrase as stemmed lower-case words, space-separated with a space at each end. */
function stemmed(phrase: string): string {
  return ` ${words(phrase).map(stem).join(' ')} `;
}

export function phrasesMatch(a: string, b: string): boolean {
  const x = stemmed(a);
  const y = stemmed(b);
  if (x.trim() === '' || y.trim() === '') return false;
  return x === y || x.includes(y) || y.includes(x);
}

export interface KeywordScore {
  papers: number;
  /** share of the phrases given that match a label */
  precision: number;
  /** share of the labels that a phrase given matches */
  recall: number;
  f1: number;
}

/** Micro-averaged precision and recall of `extract` over the papers. */
export function scoreKeywords(papers: LabelledPaper[], extract: (p: LabelledPaper) => string[]): KeywordScore {
  let given = 0;
  let right = 0;
  let labels = 0;
  let found = 0;
  for (const p of papers) {
    const got = extract(p);
    given += got.length;
    right += got.filter((g) => p.keyphrases.some((k) => phrasesMatch(g, k))).length;
    labels += p.keyphrases.length;
    found += p.keyphrases.filter((k) => got.some((g) => phrasesMatch(g, k))).length;
  }
  const precision = given ? right / given : 0;
  const recall = labels ? found / labels : 0;
  return { papers: papers.length, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

export function formatScore(s: KeywordScore): string {
  return `precision ${s.precision.toFixed(3)}, recall ${s.recall.toFixed(3)}, F1 ${s.f1.toFixed(3)} (${s.papers} papers)`;
}
