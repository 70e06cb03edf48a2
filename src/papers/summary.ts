// A one-line summary chosen from a paper's own abstract: the sentence that states the
// contribution ("we propose ...", "this paper presents ..."), kept whole when short enough, cut at
// a word otherwise. Extractive, so it needs no model and is labelled `ai_summary_model: "extractive"`.

import { createHash } from 'node:crypto';
import { KeptResults } from '../util/kept-results.js';

export const EXTRACTIVE = 'extractive';
/** Longest summary, in characters; a longer sentence is cut at a word and ends with "…". */
export const SUMMARY_MAX = 250;

// Verbs that state a contribution when "we" (or "this paper") does them: strong ones name a new
// thing, weak ones a study of something; any inflection ("propose", "proposes", "proposed").
const STRONG = '(?:propose|introduce|present|develop|design|devise|put forward|formulate|construct|build|built)';
const WEAK =
  '(?:argue|establish|derive|offer|contribute|provide|release|describe|study|studie|studied|investigate|address|tackle|consider|explore|analy[sz]e|report|demonstrate|show|prove|obtain|compute|calculate|find|found|extend|apply|examine|discuss|evaluate|focus|define|challenge|ask|revisit|leverage|generali[sz]e|compare|characteri[sz]e|measure|identify|uncover)';
const INFL = String.raw`(?:s|d|ed)?\b`;
const ADVERB = String.raw`(?:(?:then|also|further|here|first|thus|therefore|now|instead|systematically|empirically|formally)\s+)?`;
// Cues that a sentence states what the paper does (weights add up).
const CUES: [RegExp, number][] = [
  [new RegExp(String.raw`\b(?:we|i)\s+${ADVERB}${STRONG}${INFL}`, 'i'), 3],
  [new RegExp(String.raw`\b(?:we|i)\s+${ADVERB}${WEAK}${INFL}`, 'i'), 1.5],
  // "we call this X and present ...", "we define a task and propose ..."
  [new RegExp(String.raw`\bwe\b.{3,80}\b${STRONG}\b`, 'i'), 1],
  [/\b(?:this|the present)\s+(?:[\w-]+\s+)?(?:paper|work|article|letter|note|study|manuscript|thesis|report|contribution)\b/i, 3],
  [/\bour\s+(?:paper|work|article|study|contribution)\b/i, 1.5],
  [new RegExp(String.raw`\b${STRONG}s\b`, 'i'), 1],
  [/\b(?:here|herein)\b,?\s/i, 1.5],
  [
    /\b(?:is|are)\s+(?:proposed|presented|introduced|developed|derived|described|studied|investigated|obtained|calculated|computed|reported|analy[sz]ed|given)\b/i,
    2,
  ],
  [/\b(?:our|the proposed)\s+(?:method|approach|model|framework|algorithm|system|technique|analysis|scheme)\b/i, 1],
  [/\bnovel\b|\bnew\b|\bfirst\b/i, 0.5],
];
// Sentences that set the scene, ask, or report numbers rather than state the contribution.
const BACKGROUND = /^(?:however|recently|although|while|despite|in recent years|existing|current|traditional|conventional|many|most)\b/i;
const RESULTS =
  /^(?:experiments?|experimental results|extensive experiments|results|empirical|code|our code|the code|data|source code)\b|\b(?:code|data|models?) (?:is|are|will be) (?:publicly |freely )?(?:available|released)\b/i;
// A section label some abstracts carry ("Results: We present ..."): not part of the sentence.
const LABEL = /^(?:background|motivation|results?|methods?|purpose|objectives?|conclusions?|context|aims?|availability|summary)\s*:\s*/i;

/** The abstract's sentences, split at `. `/`? `/`! ` followed by a capital, not inside `$...$`, not after e.g./i.e./et al. */
export function sentences(text: string): string[] {
  const t = text.replace(/\s+/g, ' ').trim();
  if (!t) return [];
  const out: string[] = [];
  let start = 0;
  let inMath = false;
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (ch === '$' && t[i - 1] !== '\\') inMath = !inMath;
    if (inMath || (ch !== '.' && ch !== '?' && ch !== '!')) continue;
    if (t[i + 1] !== ' ') continue;
    const next = t[i + 2] ?? '';
    if (!/[A-Z0-9("$\\]/.test(next)) continue;
    const before = t.slice(Math.max(start, i - 6), i + 1);
    if (/(?:\be\.g|\bi\.e|\bet al|\bvs|\bcf|\bFig|\bEq|\bEqs|\bRef|\bSec|\bal|\bresp|\bapprox|\b[A-Z])\.$/.test(before)) continue;
    out.push(t.slice(start, i + 1).trim());
    start = i + 2;
  }
  const rest = t.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

/** How strongly a sentence reads as the statement of the contribution (higher is better). */
function score(sentence: string, index: number, count: number): number {
  const s = sentence.replace(LABEL, '');
  let v = 0;
  for (const [re, w] of CUES) if (re.test(s)) v += w;
  if (BACKGROUND.test(s)) v -= 2;
  if (RESULTS.test(s)) v -= 2;
  if (s.endsWith('?')) v -= 2;
  const words = s.split(' ').length;
  if (words < 6) v -= 3;
  else if (words > 60) v -= 1;
  // Earlier sentences win ties: the contribution is usually stated in the first half.
  v -= (index / Math.max(1, count)) * 0.8;
  return v;
}

/** The index of the sentence that states the contribution, or -1 for an empty abstract. */
export function chooseSentence(list: string[]): number {
  let best = -1;
  let bestScore = Number.NEGATIVE_INFINITY;
  list.forEach((s, i) => {
    const v = score(s, i, list.length);
    if (v > bestScore) {
      best = i;
      bestScore = v;
    }
  });
  return best;
}

/** Cut at a word so the result (with "…") is at most `max` characters; `$...$` is not split open. */
export function cutAtWord(s: string, max = SUMMARY_MAX): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  if (space > max / 2) cut = cut.slice(0, space);
  // An odd number of unescaped `$` means the cut fell inside math: drop back before it opened.
  const dollars = [...cut.matchAll(/(?<!\\)\$/g)];
  if (dollars.length % 2 === 1) {
    const open = dollars[dollars.length - 1].index ?? cut.length;
    const space2 = cut.lastIndexOf(' ', open);
    cut = cut.slice(0, space2 > 0 ? space2 : open);
  }
  return `${cut.replace(/[\s,;:(-]+$/, '')}…`;
}

/** The extractive one-line summary of an abstract, or null when it has no sentence. */
export function extractiveSummary(abstract: string | null | undefined): string | null {
  const list = sentences(abstract ?? '');
  const i = chooseSentence(list);
  return i < 0 ? null : cutAtWord(list[i].replace(LABEL, ''));
}

/** A language model's sentence as stored (migration 0021): shown while the abstract is the one it read. */
export interface StoredSummary {
  text: string;
  model: string;
  /** abstractHash of the abstract it was written from */
  abstractHash: string;
}

/** The hash a stored summary keeps of the abstract it was written from. */
export function abstractHash(abstract: string): string {
  return createHash('sha256').update(abstract).digest('hex').slice(0, 32);
}

/**
 * Extractive summaries of the papers asked for most recently, by id while the abstract is the same:
 * an API response of 50 papers chose each one's sentence again (about a fifth of the main thread's
 * time under a load of "For you" lists).
 */
const extractive = new KeptResults<string | null>(5_000);

/**
 * A paper's one-line summary and who wrote it: the language model's stored sentence while the
 * abstract is unchanged, else the extractive sentence (model "extractive"); null for no abstract.
 */
export function paperSummary(p: { id: string; abstract: string; aiSummary?: StoredSummary }): { text: string; model: string } | null {
  if (p.aiSummary && p.aiSummary.abstractHash === abstractHash(p.abstract)) return { text: p.aiSummary.text, model: p.aiSummary.model };
  const text = extractive.get(p.id, [p.abstract], () => extractiveSummary(p.abstract));
  return text ? { text, model: EXTRACTIVE } : null;
}
