// arXiv identifiers in every form people paste them, normalised to the canonical id
// (no "arXiv:" prefix, no version) plus the version when one was given.

export interface ArxivRef {
  id: string;
  version: number | null;
}

// Archives that used the old scheme (archive/YYMMNNN), before April 2007.
const OLD_ARCHIVES = new Set([
  'acc-phys',
  'adap-org',
  'alg-geom',
  'ao-sci',
  'astro-ph',
  'atom-ph',
  'bayes-an',
  'chao-dyn',
  'chem-ph',
  'cmp-lg',
  'comp-gas',
  'cond-mat',
  'cs',
  'dg-ga',
  'funct-an',
  'gr-qc',
  'hep-ex',
  'hep-lat',
  'hep-ph',
  'hep-th',
  'math',
  'math-ph',
  'mtrl-th',
  'nlin',
  'nucl-ex',
  'nucl-th',
  'patt-sol',
  'physics',
  'plasm-ph',
  'q-alg',
  'q-bio',
  'quant-ph',
  'solv-int',
  'supr-con',
]);

const NEW_ID = /^(\d{2})(\d{2})\.(\d{4,5})(?:v(\d+))?$/;
const OLD_ID = /^([a-z-]+)(?:\.[a-z]{2})?\/(\d{2})(\d{2})(\d{3})(?:v(\d+))?$/;

function stripWrapping(input: string): string {
  let s = input.trim();
  s = s.replace(/^<|>$/g, '');
  // URLs: arxiv.org/abs/ID, /pdf/ID(.pdf), /html/ID, export. and www. hosts, any scheme.
  const url = /^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html|format)\/(.+)$/i.exec(s);
  if (url) {
    s = url[1]
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .replace(/\.pdf$/i, '');
  }
  s = s.replace(/^arxiv:\s*/i, '');
  return s;
}

/** Parse any user-supplied form; returns null when it is not an arXiv id. */
export function parseArxivId(input: string): ArxivRef | null {
  if (typeof input !== 'string' || input.length > 300) return null;
  const s = stripWrapping(input);
  const m = NEW_ID.exec(s);
  if (m) {
    const [, yy, mm, num, v] = m;
    const month = Number(mm);
    const year = Number(yy);
    if (month < 1 || month > 12) return null;
    // Four-digit numbers from 0704 to 1412, five digits from 1501 on.
    const yymm = year * 100 + month;
    if (yymm < 704) return null;
    if (yymm <= 1412 && num.length !== 4) return null;
    if (yymm >= 1501 && num.length !== 5) return null;
    return { id: `${yy}${mm}.${num}`, version: v ? Number(v) : null };
  }
  const o = OLD_ID.exec(s.toLowerCase());
  if (o) {
    const [, archive, yy, mm, num, v] = o;
    if (!OLD_ARCHIVES.has(archive)) return null;
    const month = Number(mm);
    if (month < 1 || month > 12) return null;
    const year = Number(yy);
    // Old-style ids ran from 1991 to March 2007.
    if (!(year >= 91 || year <= 7)) return null;
    return { id: `${archive}/${yy}${mm}${num}`, version: v ? Number(v) : null };
  }
  return null;
}

export function absUrl(id: string, version?: number | null): string {
  return `https://arxiv.org/abs/${id}${version ? `v${version}` : ''}`;
}

export function pdfUrl(id: string, version?: number | null): string {
  return `https://arxiv.org/pdf/${id}${version ? `v${version}` : ''}`;
}
