import { parseArxivId } from '../papers/arxiv-id.js';

// Reading a member's own papers for import: a list of arXiv ids or arxiv.org URLs (one per line or
// separated by any white space), a BibTeX file or a RIS file. Parsing is pure; matching the entries to the
// instance's papers is the service's (src/recommend/library-import.ts). A BibTeX file with broken
// entries still gives its good ones: each entry is read on its own, and a line that starts a new
// entry ends a broken one.

/** What an entry names a paper by, strongest first. */
export interface LibraryEntry {
  /** how the member would recognise it in a message: the id or URL as written, or the BibTeX key */
  label: string;
  /** 1-based line it starts on */
  line: number;
  arxivId: string | null;
  doi: string | null;
  title: string | null;
}

export interface LibraryProblem {
  entry: string;
  line: number;
  reason: string;
}

export interface ParsedLibrary {
  entries: LibraryEntry[];
  /** tokens or entries that name no paper at all (not an id, a broken entry) */
  problems: LibraryProblem[];
}

export function parseIdList(text: string): ParsedLibrary {
  const entries: LibraryEntry[] = [];
  const problems: LibraryProblem[] = [];
  text.split(/\r?\n/).forEach((lineText, i) => {
    for (const token of lineText.split(/\s+/)) {
      if (!token) continue;
      const ref = parseArxivId(token);
      if (ref) entries.push({ label: token, line: i + 1, arxivId: ref.id, doi: null, title: null });
      else problems.push({ entry: token.slice(0, 200), line: i + 1, reason: 'not an arXiv id or arxiv.org URL' });
    }
  });
  return { entries, problems };
}

const SKIPPED_TYPES = new Set(['comment', 'preamble', 'string']);
const ENTRY_START = /^[ \t]*@([a-zA-Z]+)[ \t]*\{/;

/** A DOI from a doi field or a doi.org URL, lower-cased as DOIs compare case-insensitively. */
function doiOf(value: string | undefined): string | null {
  if (!value) return null;
  const m = /(10\.\d{4,9}\/\S+)/.exec(value.trim());
  return m ? m[1].replace(/[.,;]+$/, '').toLowerCase() : null;
}

/** Braces (TeX grouping), TeX accents' backslashes and runs of white space out; lower case. */
export function normaliseTitle(title: string): string {
  return title.replace(/[{}]/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** An arXiv id in the places BibTeX from arXiv, Google Scholar, Zotero and DBLP put one. */
function arxivIdOf(fields: Map<string, string>): string | null {
  const prefix = (fields.get('archiveprefix') ?? fields.get('eprinttype') ?? 'arxiv').toLowerCase();
  const eprint = fields.get('eprint');
  if (eprint && prefix.includes('arxiv')) {
    const ref = parseArxivId(eprint);
    if (ref) return ref.id;
  }
  for (const name of ['url', 'howpublished', 'note', 'journal', 'pdf', 'doi']) {
    const v = fields.get(name);
    if (!v) continue;
    const url = /arxiv\.org\/(?:abs|pdf)\/([^\s}]+)/i.exec(v);
    const ref = url ? parseArxivId(`https://arxiv.org/abs/${url[1]}`) : null;
    if (ref) return ref.id;
    const tagged = /(?:arxiv[:.\s]\s*)((?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?\/\d{7})(?:v\d+)?)/i.exec(v);
    const ref2 = tagged ? parseArxivId(tagged[1]) : null;
    if (ref2) return ref2.id;
  }
  return null;
}

class EntryError extends Error {}

/** Fields of one entry's body (what follows `@type{`), up to its closing brace. */
function readFields(body: string): { key: string; fields: Map<string, string> } {
  let i = 0;
  const fields = new Map<string, string>();
  const comma = body.indexOf(',');
  if (comma < 0) throw new EntryError('no fields after the key');
  const key = body.slice(0, comma).trim();
  if (!key || /[\s{}"=]/.test(key)) throw new EntryError('no citation key before the first comma');
  i = comma + 1;
  const skipSpace = () => {
    while (i < body.length && /\s/.test(body[i])) i++;
  };
  for (;;) {
    skipSpace();
    if (i >= body.length) break;
    const name = /^[a-zA-Z][\w.:-]*/.exec(body.slice(i));
    if (!name) throw new EntryError(`a field name was expected at "${body.slice(i, i + 20).trim()}"`);
    i += name[0].length;
    skipSpace();
    if (body[i] !== '=') throw new EntryError(`field ${name[0]} has no "="`);
    i++;
    let value = '';
    for (;;) {
      skipSpace();
      const ch = body[i];
      if (ch === '{') {
        let depth = 0;
        const start = i;
        for (; i < body.length; i++) {
          if (body[i] === '{') depth++;
          else if (body[i] === '}' && --depth === 0) break;
        }
        if (depth !== 0) throw new EntryError(`field ${name[0]} has an unclosed brace`);
        value += body.slice(start + 1, i);
        i++;
      } else if (ch === '"') {
        const end = body.indexOf('"', i + 1);
        if (end < 0) throw new EntryError(`field ${name[0]} has an unclosed quote`);
        value += body.slice(i + 1, end);
        i = end + 1;
      } else {
        const bare = /^[\w.:-]+/.exec(body.slice(i));
        if (!bare) throw new EntryError(`field ${name[0]} has no value`);
        value += bare[0];
        i += bare[0].length;
      }
      skipSpace();
      if (body[i] === '#') {
        i++;
        continue;
      }
      break;
    }
    fields.set(name[0].toLowerCase(), value);
    skipSpace();
    if (i >= body.length) break;
    if (body[i] !== ',') throw new EntryError(`a comma was expected after field ${name[0]}`);
    i++;
  }
  return { key, fields };
}

export function parseBibtex(text: string): ParsedLibrary {
  const lines = text.split(/\r?\n/);
  const entries: LibraryEntry[] = [];
  const problems: LibraryProblem[] = [];
  let n = 0;
  while (n < lines.length) {
    const start = ENTRY_START.exec(lines[n]);
    if (!start) {
      n++;
      continue;
    }
    const type = start[1].toLowerCase();
    const startLine = n;
    // The entry runs to its balancing brace; a line that starts another entry first ends it as broken.
    let depth = 1;
    let body = '';
    let closed = false;
    for (let ln = startLine; ln < lines.length && !closed; ln++) {
      if (ln > startLine && ENTRY_START.test(lines[ln])) break;
      const text = ln === startLine ? lines[ln].slice(start[0].length) : lines[ln];
      for (let c = 0; c < text.length; c++) {
        const ch = text[c];
        if (ch === '{') depth++;
        else if (ch === '}' && --depth === 0) {
          closed = true;
          break;
        }
        body += ch;
      }
      if (!closed) body += '\n';
      n = ln + 1;
    }
    if (SKIPPED_TYPES.has(type)) continue;
    const keyGuess = /^\s*([^,\s{}=]+)/.exec(body)?.[1];
    const label = keyGuess ?? `@${type} entry`;
    if (!closed) {
      problems.push({ entry: label, line: startLine + 1, reason: 'broken entry: its braces do not balance' });
      continue;
    }
    try {
      const { key, fields } = readFields(body);
      const title = fields.get('title');
      entries.push({
        label: key,
        line: startLine + 1,
        arxivId: arxivIdOf(fields),
        doi: doiOf(fields.get('doi')),
        title: title ? normaliseTitle(title) : null,
      });
    } catch (e) {
      if (!(e instanceof EntryError)) throw e;
      problems.push({ entry: label, line: startLine + 1, reason: `broken entry: ${e.message}` });
    }
  }
  return { entries, problems };
}

/** A text that holds BibTeX entries (sent as plain text, or a file without a .bib name). */
export function looksLikeBibtex(text: string): boolean {
  return /^[ \t]*@[a-zA-Z]+[ \t]*\{/m.test(text);
}

const RIS_TAG = /^([A-Z][A-Z0-9]) {1,2}-(?: (.*))?$/;

/**
 * A RIS file (EndNote, Zotero, Mendeley): records from `TY  -` to `ER  -`, matched as BibTeX entries are
 * (an arXiv id in M1, AN, UR, L1, N1 or DO; the DOI; the exact title). A record with no `ER` before the
 * next `TY` or the end, or tags before any `TY`, is named as broken with its line.
 */
export function parseRis(text: string): ParsedLibrary {
  const entries: LibraryEntry[] = [];
  const problems: LibraryProblem[] = [];
  let record: { line: number; fields: Map<string, string[]>; last: string | null } | null = null;
  const finish = (r: NonNullable<typeof record>) => {
    const get = (...tags: string[]) => tags.flatMap((t) => r.fields.get(t) ?? []);
    const title = get('TI', 'T1')[0];
    const label = get('ID')[0] ?? (title ? title.slice(0, 80) : `record at line ${r.line}`);
    let arxivId: string | null = null;
    for (const v of get('M1', 'AN', 'UR', 'L1', 'L2', 'N1', 'DO', 'ET')) {
      const url = /arxiv\.org\/(?:abs|pdf)\/([^\s]+)/i.exec(v);
      const ref = url ? parseArxivId(`https://arxiv.org/abs/${url[1]}`) : parseArxivId(v.replace(/^arxiv:\s*/i, '').trim());
      if (ref) {
        arxivId = ref.id;
        break;
      }
    }
    entries.push({ label, line: r.line, arxivId, doi: doiOf(get('DO')[0]), title: title ? normaliseTitle(title) : null });
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((lineText, i) => {
    const m = RIS_TAG.exec(lineText.replace(/^\uFEFF/, '').trimEnd());
    if (!m) {
      // A line without a tag continues the previous field (long abstracts are wrapped so).
      if (record?.last && lineText.trim()) {
        const values = record.fields.get(record.last)!;
        values[values.length - 1] += ` ${lineText.trim()}`;
      }
      return;
    }
    const [, tag, value = ''] = m;
    if (tag === 'TY') {
      if (record)
        problems.push({
          entry: (record.fields.get('ID') ?? record.fields.get('TI') ?? [`record`])[0].slice(0, 80),
          line: record.line,
          reason: 'broken record: no "ER  -" before the next "TY  -"',
        });
      record = { line: i + 1, fields: new Map(), last: null };
      return;
    }
    if (!record) {
      problems.push({ entry: lineText.slice(0, 80), line: i + 1, reason: 'broken record: a tag before any "TY  -"' });
      return;
    }
    if (tag === 'ER') {
      finish(record);
      record = null;
      return;
    }
    const values = record.fields.get(tag) ?? [];
    values.push(value.trim());
    record.fields.set(tag, values);
    record.last = tag;
  });
  if (record) {
    const r = record as { line: number; fields: Map<string, string[]> };
    problems.push({
      entry: (r.fields.get('ID') ?? r.fields.get('TI') ?? ['record'])[0].slice(0, 80),
      line: r.line,
      reason: 'broken record: it has no "ER  -"',
    });
  }
  return { entries, problems };
}

/** A text that holds RIS records. */
export function looksLikeRis(text: string): boolean {
  return /^\uFEFF?TY {1,2}- /m.test(text);
}

/** Which parser reads a pasted or uploaded text: RIS, BibTeX, else a list of ids. */
export function parseLibrary(text: string): ParsedLibrary {
  if (looksLikeRis(text)) return parseRis(text);
  if (looksLikeBibtex(text)) return parseBibtex(text);
  return parseIdList(text);
}
