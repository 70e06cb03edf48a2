// Key phrases of a paper from its own title and abstract: runs of 1-3 words with no stopword in
// them, scored by how rare their words are across papers (idf, from the document frequencies in
// keyword-df.ts), how often the paper uses them, and whether the title does; a phrase inside one
// already chosen is dropped. No model: cheap enough to compute when a paper is shown.
import { DF_DOCS, DF_TABLE } from './keyword-df.js';
import { KeptResults } from '../util/kept-results.js';

export const KEYWORDS_MIN = 3;
export const KEYWORDS_MAX = 8;

// English function words and the words every abstract uses to talk about itself.
const STOP = new Set(
  `a about above across after again against all almost along also although always among an and another any are around as at
  be because been before being below between both but by can could did do does doing done down during each either et etc
  even ever every few for from further had has have having here how however i ie eg if in into is it its itself just less
  like made make makes many may might more most much must new no nor not now of off often on once one only onto or other
  our ours out over own per rather same several should since so some such than that the their them themselves then there
  these they this those through thus to too toward towards under until up upon us use used uses using very via was we well
  were what when where whether which while who whom whose why will with within without would yet you your
  paper work study article propose proposes proposed present presents presented introduce introduces introduced show shows
  shown showed demonstrate demonstrates demonstrated result results approach approaches method methods novel existing
  recent recently based achieve achieves achieved state art significantly significant experiments experimental extensive
  outperforms outperform evaluate evaluated evaluation key first two three four five large small high low various different
  specifically furthermore moreover finally including provide provides enable enables effective effectively efficient
  address addresses challenge challenges problem problems task tasks performance framework model models data code available
  publicly release released github https http www com org however existing prior previous current across
  see know think getting better working big regular preceding mainly toward via yields remains remain
  reduces improves increases requires leads allows makes helps matches reaches uses fails suggests reveals`.split(/\s+/),
);

// \textbf{X} -> X, other \commands and $...$ math out, ~ as a space.
function plain(text: string): string {
  return text
    .replace(/\$[^$]*\$/g, ' . ')
    .replace(/\\[a-zA-Z]+\*?\{([^{}]*)\}/g, '$1')
    .replace(/\\[a-zA-Z]+/g, ' ')
    .replace(/https?:\/\/\S+/g, ' . ')
    .replace(/[~{}]/g, ' ');
}

/** The text's words in runs: a run breaks at punctuation, a stopword, a number or a one-letter word. */
export function wordRuns(text: string): string[][] {
  const runs: string[][] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length) runs.push(run);
    run = [];
  };
  for (const m of plain(text).matchAll(/[A-Za-z0-9][A-Za-z0-9'’-]*[A-Za-z0-9]|[A-Za-z]|[^\sA-Za-z0-9]+|\s+/g)) {
    const w = m[0];
    if (/^\s+$/.test(w)) continue;
    if (!/[A-Za-z]/.test(w) || w.length < 2 || STOP.has(w.toLowerCase()) || /^[^A-Za-z0-9]/.test(w)) {
      flush();
      continue;
    }
    run.push(w.replace(/['’]s$/, ''));
  }
  flush();
  return runs;
}

/** The lower-case words a paper's text counts once each, as the df table counts them. */
export function distinctWords(text: string): Set<string> {
  return new Set(wordRuns(text).flatMap((r) => r.map((w) => w.toLowerCase())));
}

let dfMap: Map<string, number> | null = null;
function idf(word: string): number {
  if (!dfMap) {
    dfMap = new Map();
    for (const entry of DF_TABLE.split(' ')) {
      const [w, n] = entry.split(':');
      dfMap.set(w, Number(n));
    }
  }
  // A word not in the table was in fewer than the table's cut-off of papers: treat it as rare.
  const df = dfMap.get(word) ?? 3;
  return Math.log((DF_DOCS + 1) / (df + 0.5));
}

interface Candidate {
  key: string;
  shown: string;
  words: string[];
  count: number;
  inTitle: boolean;
  shownFromTitle: boolean;
}

/**
 * A further factor on each candidate's score (its lower-case key), e.g. its closeness to the paper
 * in an embedding model: bench/keywords.ts measures such factors against the labelled sample.
 */
export type PhraseFactor = (key: string) => number;

/** 3 to 8 key phrases of a paper, best first, as first written (case kept); fewer only for a very short text. */
export function keywords(title: string, abstract: string | null | undefined, factor?: PhraseFactor): string[] {
  const candidates = new Map<string, Candidate>();
  const titleKeys = new Set<string>();
  const add = (text: string, fromTitle: boolean) => {
    for (const run of wordRuns(text)) {
      for (let n = 1; n <= 3; n++) {
        for (let i = 0; i + n <= run.length; i++) {
          const words = run.slice(i, i + n);
          const key = words.join(' ').toLowerCase();
          if (fromTitle) titleKeys.add(key);
          const c = candidates.get(key);
          const surface = words.join(' ');
          if (!c) candidates.set(key, { key, shown: surface, words: key.split(' '), count: 1, inTitle: false, shownFromTitle: fromTitle });
          else {
            c.count++;
            // Titles and sentence starts capitalise: lower case wherever the text writes it so, else
            // the abstract's spelling (acronyms and names keep theirs).
            if (surface === key || (c.shownFromTitle && !fromTitle && c.shown !== key)) c.shown = surface;
            if (!fromTitle) c.shownFromTitle = false;
          }
        }
      }
    }
  };
  add(title, true);
  add(abstract ?? '', false);
  for (const k of titleKeys) {
    const c = candidates.get(k);
    if (c) c.inTitle = true;
  }
  // A key phrase is used at least twice (title and abstract, or twice in the abstract); phrases
  // used once only fill up to KEYWORDS_MIN. A phrase of several words scores the rarity of each,
  // so it wins over each of its words alone.
  const scored = [...candidates.values()]
    .map((c) => {
      const rarity = c.words.reduce((sum, w) => sum + idf(w), 0);
      return { c, score: rarity * (1 + Math.log(c.count)) * (c.inTitle ? 1.5 : 1) * (factor ? factor(c.key) : 1) };
    })
    .sort((a, b) => Number(b.c.count >= 2) - Number(a.c.count >= 2) || b.score - a.score || a.c.key.localeCompare(b.c.key));
  const chosen: Candidate[] = [];
  const top = scored[0]?.score ?? 0;
  const inside = (a: string, b: string) => ` ${b} `.includes(` ${a} `);
  for (const { c, score } of scored) {
    if (chosen.length >= KEYWORDS_MAX) break;
    if (chosen.length >= KEYWORDS_MIN && (score < top * 0.45 || c.count < 2)) break;
    // Redundant: inside a chosen phrase. A used-twice phrase that holds chosen ones takes their place.
    if (chosen.some((k) => inside(c.key, k.key))) continue;
    const held = chosen.findIndex((k) => inside(k.key, c.key));
    if (held >= 0) {
      if (c.count < 2) continue;
      chosen[held] = c;
      for (let i = chosen.length - 1; i > held; i--) if (inside(chosen[i].key, c.key)) chosen.splice(i, 1);
      continue;
    }
    chosen.push(c);
  }
  return chosen.map((c) => c.shown);
}

/** Papers whose key phrases are kept (a feed page asks for 50 at each render). */
const kept = new KeptResults<string[]>(5_000);

/** keywords() of a paper, remembered for the papers asked for most recently (until its title or abstract changes). */
export function paperKeywords(p: { id: string; title: string; abstract?: string | null }): string[] {
  return kept.get(p.id, [p.title, p.abstract], () => keywords(p.title, p.abstract));
}
