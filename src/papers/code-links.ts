// Code and project links found in a paper's own text (its abstract and arXiv comment): repositories
// on GitHub, GitLab and other code hosts, Hugging Face models, datasets and Spaces, `*.github.io`
// pages and other project pages, each normalised so the same link written two ways is one link.
import { isSpace } from '../util/chars.js';

/** What a found link points to; `githubRepo` takes the first code repository, `projectPage` the first page. */
export type CodeLinkKind = 'github' | 'gitlab' | 'code' | 'huggingface' | 'page';

export interface CodeLink {
  url: string;
  kind: CodeLinkKind;
}

export interface FoundLinks {
  links: CodeLink[];
  /** the first code repository (GitHub first, then GitLab and other code hosts), or null */
  repo: string | null;
  /** the first project page (`*.github.io` or another page), or null */
  page: string | null;
}

const NONE: FoundLinks = { links: [], repo: null, page: null };

// Hosts whose links are references, not the paper's own artefacts: arXiv itself, DOIs, licences.
const SKIPPED_HOSTS = /(^|\.)(arxiv\.org|doi\.org|creativecommons\.org|orcid\.org|acm\.org|ieee\.org|springer\.com|aclanthology\.org|openreview\.net)$/;
// Other code hosts: what a link to them points at is code (or an anonymised copy of it).
const CODE_HOSTS =
  /^(bitbucket\.org|codeberg\.org|gitee\.com|sourceforge\.net|sr\.ht|git\.sr\.ht|gitcode\.com|anonymous\.4open\.science|zenodo\.org|figshare\.com|colab\.research\.google\.com|osf\.io)$/;
// A cheap test that keeps the extraction off the (four in five) texts with no link at all.
const MAYBE = /https?:|github|www\.|\.(?:com|org|io|co|net|edu|science|ai|dev|site|page)\b|\\url|\\href/i;

// A link as written: with a scheme, or a bare host name ending in a known top-level domain.
const TLD = 'com|org|io|co|net|edu|ai|dev|science|site|page|app|me|info|xyz|tech|cn|de|uk|fr|jp|kr|ch|nl|eu|ca|us|in';
export const URL_RE = new RegExp(
  String.raw`(?:https?://|\bwww\.)[^\s<>"{}|\\^\x60,[\]]+|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:${TLD})/[^\s<>"{}|\\^\x60,[\]]*|\b(?:[a-z0-9-]+\.)*(?:github\.io|huggingface\.co|github\.com|gitlab\.com)\b/?[^\s<>"{}|\\^\x60,[\]]*`,
  'gi',
);

/** The links found in a paper's abstract and comment, normalised, each once, in the order written. */
export function findCodeLinks(abstract: string | null | undefined, comments: string | null | undefined): FoundLinks {
  const text = `${abstract ?? ''}\n${comments ?? ''}`;
  if (!MAYBE.test(text)) return NONE;
  const links: CodeLink[] = [];
  const seen = new Set<string>();
  for (const raw of rawLinks(untex(text))) {
    const link = normalise(raw);
    if (!link || seen.has(link.url)) continue;
    seen.add(link.url);
    links.push(link);
  }
  if (!links.length) return NONE;
  const repo = links.find((l) => l.kind === 'github')?.url ?? links.find((l) => l.kind === 'gitlab')?.url ?? links.find((l) => l.kind === 'code')?.url ?? null;
  const page = links.find((l) => l.kind === 'page')?.url ?? null;
  return { links, repo, page };
}

/** Is this a link to code (a repository on a code host), as opposed to a page, a model or data? */
export function isCodeKind(kind: CodeLinkKind): boolean {
  return kind === 'github' || kind === 'gitlab' || kind === 'code';
}

// LaTeX wrappers: \url{x}, \href{x}{text}, \footnote{...}, {\tt x}, and TeX's escaped _ ~ % #.
function untex(text: string): string {
  if (!text.includes('\\') && !text.includes('{')) return text;
  return text
    .replace(/\\href\s*\{([^}]*)\}\s*\{[^}]*\}/g, ' $1 ')
    .replace(/\\(?:url|nolinkurl|path)\s*\{([^}]*)\}/g, (_, u: string) => ` ${u.replace(/\s+/g, '')} `)
    .replace(/\{\\(?:tt|texttt)\s+([^}]*)\}/g, ' $1 ')
    .replace(/\\(?:texttt|footnote|footnotetext)\s*\{/g, ' ')
    .replace(/\\([_~%#&])/g, '$1')
    .replace(/\\textasciitilde\s*\{?\}?/g, '~')
    .replace(/\$\\sim\$/g, '~');
}

/** The links as written, with a link cut by a line break (or the space a cleaned break became) joined again. */
function rawLinks(text: string): string[] {
  const out: string[] = [];
  const t = unspace(text);
  let consumed = 0;
  for (const m of linkMatches(t)) {
    const start = m.index;
    if (start < consumed) continue;
    let link = m.text;
    let end = start + link.length;
    // A link cut at a line break ends in '/', '-' or '_' (or a host cut after its dot), and the rest
    // starts the next line; cleanText turns that break into one space.
    for (let joins = 0; joins < 3; joins++) {
      const rest = /^(?:\r?\n| \r?\n?|\r?\n +)([A-Za-z0-9][^\s<>"{}|\\^\x60,[\]]*)/.exec(t.slice(end));
      if (!rest || !cutAtBreak(link, rest[1])) break;
      link += rest[1];
      end += rest[0].length;
    }
    consumed = end;
    out.push(link);
  }
  // "GitHub - owner/repo": a repository named the way GitHub titles its pages, with no link.
  for (const m of t.matchAll(/\bGitHub\s+[-\u2013:]\s+([A-Za-z0-9][\w.-]*\/[\w.-]*[\w-])/g)) out.push(`github.com/${m[1]}`);
  return out;
}

/**
 * URL_RE's matches in the text, in order: it runs only on the words (runs of non-space) that hold a
 * '.' or a ':', since every match holds one and none holds a space, and a word's edges are word
 * boundaries as the text's are. Run over whole abstracts, its host alternative was tried at every
 * word and cost about 23 us a text that had a link (a tenth of a bulk import's time on its thread).
 */
export function* linkMatches(t: string): Generator<{ index: number; text: string }> {
  let from = 0;
  for (;;) {
    const dot = t.indexOf('.', from);
    const colon = t.indexOf(':', from);
    const at = dot < 0 ? colon : colon < 0 ? dot : Math.min(dot, colon);
    if (at < 0) return;
    let start = at;
    while (start > 0 && !isSpace(t.charCodeAt(start - 1))) start--;
    let end = at + 1;
    while (end < t.length && !isSpace(t.charCodeAt(end))) end++;
    for (const m of t.slice(start, end).matchAll(URL_RE)) yield { index: start + (m.index ?? 0), text: m[0] };
    from = end;
  }
}

// Spaces typed (or left by a TeX line break) inside a scheme or a code host's name:
// "https: // github. com/ owner/repo".
function unspace(text: string): string {
  if (!/:\s+\/\/|:\/\/\s|\.\s+(?:com|io|co)\b/.test(text)) return text;
  return text
    .replace(/\b(https?)\s*:\s*\/\/\s*/gi, '$1://')
    .replace(/\b(github|gitlab|huggingface)\s*\.\s*(com|co|io)\s*\/\s*/gi, '$1.$2/')
    .replace(/([a-z0-9-])\.\s+(github\.io)\b/gi, '$1.$2');
}

// Words that follow a link ending in '/' in prose: the link ends there.
const PROSE =
  /^(and|or|for|to|the|a|an|in|on|at|of|with|as|is|are|was|which|where|that|this|we|our|under|via|by|from|including|it|its|upon|after|\d+(?:\.\d+)*)$/i;

// Whether a link that ends at a break goes on with the next token.
function cutAtBreak(link: string, next: string): boolean {
  const word = next.replace(/[.;:)]+$/, '');
  if (/[/_-]$/.test(link)) return !PROSE.test(word) && !/^[A-Z][a-z]+$/.test(word) && /^[\w.~/-]+$/.test(word);
  // A host cut after its dot: "https://name.\ngithub.io", "https://www.idiap.\nch/paper".
  if (/^(?:https?:\/\/)?[^/]+\.$/.test(link) && /^(?:github\.io|[a-z]{2,6})(?:\/|$)/.test(next)) return true;
  // An owner's name cut by a space before the repository: "github.com/CyberAgentA ILab/YokaiEval".
  if (/(?:github|gitlab)\.com\/[\w.-]+$/i.test(link) && /^[\w.-]+\/[\w.-]+/.test(next)) return true;
  return false;
}

/** A link in its one written form (https, lower-case host, no `.git`, no `/tree/main`, no trailing punctuation), or null to skip. */
export function normalise(raw: string): CodeLink | null {
  let s = trimTrailing(raw);
  if (!/^https?:\/\//i.test(s)) s = `https://${s}`;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase().replace(/^www\./, '');
  if (!host.includes('.') || SKIPPED_HOSTS.test(host)) return null;
  const parts = url.pathname
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  if (host === 'github.com' || host === 'gitlab.com') {
    const kind = host === 'github.com' ? 'github' : 'gitlab';
    if (parts.length === 0) return null;
    // github.com/owner alone is an account or organisation page; github.com/owner/repo/... is that repository.
    if (parts.length === 1) return { url: `https://${host}/${parts[0]}`, kind: 'page' };
    if (kind === 'gitlab') {
      // GitLab groups nest: the repository path ends where GitLab's own routes ("/-/tree/...") begin.
      const dash = parts.indexOf('-');
      const path = (dash === -1 ? parts : parts.slice(0, dash)).join('/').replace(/\.git$/i, '');
      return { url: `https://${host}/${path}`, kind };
    }
    return { url: `https://${host}/${parts[0]}/${parts[1].replace(/\.git$/i, '')}`, kind };
  }
  if (host === 'huggingface.co' || host === 'hf.co') {
    if (parts.length === 0) return null;
    const section = ['datasets', 'spaces', 'collections'].includes(parts[0]) ? parts[0] : null;
    const name = section ? parts.slice(1, 3) : parts.slice(0, 2);
    if (name.length === 0 || parts[0] === 'papers' || parts[0] === 'docs' || parts[0] === 'blog') return null;
    return { url: `https://huggingface.co/${section ? `${section}/` : ''}${name.join('/')}`, kind: 'huggingface' };
  }
  // An anonymised repository is /r/name (or /w/name for its pages); what follows is a file in it.
  if (host === 'anonymous.4open.science' && parts.length >= 2) return { url: `https://${host}/${parts[0]}/${parts[1]}`, kind: 'code' };
  const path = stripRepoRoutes(url.pathname).replace(/\/+$/, '');
  // Self-hosted GitLab: gitlab.example.org, or example.org/gitlab/.
  const kind: CodeLinkKind = CODE_HOSTS.test(host) ? 'code' : /^gitlab\./.test(host) || parts[0] === 'gitlab' ? 'gitlab' : 'page';
  return { url: `https://${host}${path}${url.search}`, kind };
}

// "/tree/main", "/blob/master/README.md" and the like on self-hosted forges: the repository is the part before.
function stripRepoRoutes(path: string): string {
  return path.replace(/\/(?:-\/)?(?:tree|blob)\/(?:main|master)(?:\/.*)?$/, '').replace(/\.git$/i, '');
}

// Punctuation that ends the sentence around a link, closing brackets with no opening one inside it,
// and TeX's braces.
function trimTrailing(s: string): string {
  let out = s;
  for (;;) {
    const before = out;
    out = out.replace(/[.,;:!?'"*\]}]+$/, '');
    if (out.endsWith(')') && count(out, '(') < count(out, ')')) out = out.slice(0, -1);
    if (out === before) return out;
  }
}

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}
