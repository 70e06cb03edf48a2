import { stemmer } from 'stemmer';

/**
 * The one tokenizer behind the corpus embedder and the in-app query analysis.
 * FTS5 and PostgreSQL have their own (porter / english) tokenizers; this one only
 * has to agree with them closely enough that the same words count as the same terms.
 */

// A short English list: long lists hurt short scientific queries ("not", "can" carry meaning rarely,
// but "we propose", "paper" are noise in abstracts and queries alike).
const STOP_WORDS_LIST = `a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each either else etc few for from further had has have
having he her here hers herself him himself his how however i if in into is it its itself just let me more most my myself
no nor not of off on once only or other our ours ourselves out over own per same she should so some such than that the their
theirs them themselves then there these they this those through thus to too under until up upon us very via was we were what
when where which while who whom why will with within without would yet you your yours yourself yourselves
paper papers propose proposed proposes show shows shown present presents presented approach approaches method methods new novel
use used uses using based work study studies result results`;

const STOP_EXTRA = new Set(STOP_WORDS_LIST.split('paper papers')[1].split(/\s+/).filter(Boolean).concat(['paper', 'papers']));
export const STOP_WORDS: ReadonlySet<string> = new Set(
  STOP_WORDS_LIST.split(/\s+/).filter((w) => w && (process.env.SEARCH_STOP_EXTRA !== '0' || !STOP_EXTRA.has(w))),
);

/** Lower-case, NFKC, strip diacritics, and turn LaTeX into the words a reader would say. */
export function normalizeText(text: string): string {
  let s = text.normalize('NFKD').replace(/\p{M}+/gu, '');
  s = s.normalize('NFKC').toLowerCase();
  // \mathcal{O}(n) -> o(n); \alpha -> alpha; $x^2$ -> x 2: commands become words, markup becomes space.
  s = s.replace(/\\(?:mathcal|mathbb|mathbf|mathrm|textbf|textit|emph|text|mathit|operatorname|boldsymbol)\s*\{([^{}]*)\}/g, ' $1 ');
  s = s.replace(/\\([a-z]+)/g, ' $1 ');
  s = s.replace(/[${}^_~\\]/g, ' ');
  return s;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Raw words (normalised, not stemmed, stop words kept), in order. */
export function words(text: string): string[] {
  return normalizeText(text).match(WORD) ?? [];
}

const stemCache = new Map<string, string>();
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    // Digits-only and very short tokens are kept as they are: stemming "3d" or "ai" only loses them.
    s = word.length <= 3 || /\d/.test(word) ? word : stemmer(word);
    if (stemCache.size < 500_000) stemCache.set(word, s);
  }
  return s;
}

/** Analysed terms: normalised, stop words dropped, stemmed. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    if (w.length > 40 || STOP_WORDS.has(w)) continue;
    if (w.length === 1 && !/\d/.test(w)) continue;
    out.push(stem(w));
  }
  return out;
}

/** Splits an abstract into sentences (for self-supervised pairs and snippets). */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[A-Z([])/)
    .map((s) => s.trim())
    .filter((s) => s.length > 20);
}
