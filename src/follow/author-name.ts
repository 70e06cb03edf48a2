// One key per way of writing an author's name, so that "J. R. R. Tolkien", "J.R.R. Tolkien",
// "jrr tolkien", "Tolkien, J. R. R." and "J R R TOLKIEN" are one author page and one follow.
//
// The rule, in order:
//   1. "Last, First" (one comma, not before a suffix such as "Jr.") becomes "First Last";
//   2. accents go: NFD, then the combining marks are dropped ("Müller" -> "muller"), and the few
//      Latin letters NFD leaves whole are spelled out (ø -> o, ß -> ss, ł -> l, æ -> ae, ...);
//   3. case goes (lower case); apostrophes go ("O'Brien" -> "obrien");
//   4. every other character that is not a letter or digit separates words ("Jean-Pierre" ->
//      "jean pierre", "J.R.R." -> "j r r");
//   5. a run of one-letter words is joined into one word: initials, however dotted or spaced,
//      become one ("j r r tolkien" -> "jrr tolkien"; "Jean-P. Serre" stays "jean p serre").
// Full given names and initials stay different keys ("John Smith" is not "J. Smith"): joining
// them would merge different people, and the author page says which spelling it lists.

const SUFFIX = /^(jr|sr|ii|iii|iv)\.?$/i;
const SPELLED: Record<string, string> = { ø: 'o', ß: 'ss', ł: 'l', æ: 'ae', œ: 'oe', đ: 'd', ð: 'd', þ: 'th', ı: 'i', ħ: 'h' };
const SPELLED_RE = new RegExp(`[${Object.keys(SPELLED).join('')}]`, 'g');

/** Longest key kept (and longest name looked up): longer input is cut, not refused. */
export const MAX_AUTHOR_NAME = 200;

/** The author name's key, or '' when it has no letters or digits. */
export function authorKey(name: string): string {
  let s = name.slice(0, MAX_AUTHOR_NAME).trim();
  const parts = s.split(',');
  if (parts.length === 2 && parts[0].trim() && parts[1].trim() && !SUFFIX.test(parts[1].trim())) s = `${parts[1]} ${parts[0]}`;
  s = s
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(SPELLED_RE, (c) => SPELLED[c])
    .replace(/['’ʼ`]/g, '');
  const words = s.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const out: string[] = [];
  let initials = '';
  for (const w of words) {
    if ([...w].length === 1) {
      initials += w;
      continue;
    }
    if (initials) out.push(initials);
    initials = '';
    out.push(w);
  }
  if (initials) out.push(initials);
  return out.join(' ');
}

/** The distinct keys of a paper's author list (a name written twice counts once). */
export function authorKeys(authors: string[]): string[] {
  return [...new Set(authors.map(authorKey).filter(Boolean))];
}
