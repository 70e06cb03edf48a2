import { escapeHtml, safeUrl, SafeHtml } from '../util/html.js';

// A safe Markdown subset for comments: paragraphs and line breaks, *emphasis* / _emphasis_,
// **strong**, `code`, ```code blocks```, [links](https://...) and bare http(s) URLs.
// Everything is escaped first and only these constructs are turned back into tags, so no member
// text can produce any other element or attribute; links must be http(s). LaTeX is left as typed
// ($\alpha$ stays readable): underscores and asterisks inside $...$ are not emphasis.

const PLACEHOLDER = '\u0000';

function inline(text: string): string {
  // Work on escaped text; protect code spans and math from the emphasis rules.
  const kept: string[] = [];
  const keep = (markup: string) => {
    kept.push(markup);
    return `${PLACEHOLDER}${kept.length - 1}${PLACEHOLDER}`;
  };
  let s = text.replace(/`([^`\n]+)`/g, (_m, code: string) => keep(`<code>${escapeHtml(code)}</code>`));
  s = s.replace(/\$\$[^$]+\$\$|\$[^$\n]+\$/g, (m) => keep(escapeHtml(m)));
  s = s.replace(/\[([^\]\n]{1,300})\]\(([^)\s]{1,500})\)/g, (whole, label: string, href: string) => {
    const url = safeUrl(href);
    return url ? keep(`<a href="${escapeHtml(url)}" rel="nofollow noopener ugc">${escapeHtml(label)}</a>`) : whole;
  });
  s = s.replace(/\bhttps?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]]/g, (m) => {
    const url = safeUrl(m);
    return url ? keep(`<a href="${escapeHtml(url)}" rel="nofollow noopener ugc">${escapeHtml(m)}</a>`) : m;
  });
  s = escapeHtml(s);
  s = s.replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>');
  // Emphasis hugs its text (`*word*`, not `2 * 3 * 4`).
  s = s.replace(/(^|[\s(])\*(\S|\S[^*\n]*?\S)\*(?=$|[\s).,;:!?])/g, '$1<em>$2</em>');
  s = s.replace(/(^|[\s(])_(\S|\S[^_\n]*?\S)_(?=$|[\s).,;:!?])/g, '$1<em>$2</em>');
  s = s.replace(/\n/g, '<br>');
  return s.replace(new RegExp(`${PLACEHOLDER}(\\d+)${PLACEHOLDER}`, 'g'), (_m, i: string) => kept[Number(i)]);
}

export function renderMarkdown(source: string): SafeHtml {
  // The placeholder character must not come from members.
  const text = source.replace(/\r\n?/g, '\n').replaceAll(PLACEHOLDER, '');
  const out: string[] = [];
  const parts = text.split(/^```[^\n]*\n?/m);
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      out.push(`<pre><code>${escapeHtml(part.replace(/\n$/, ''))}</code></pre>`);
      return;
    }
    for (const para of part.split(/\n{2,}/)) {
      const p = para.trim();
      if (p) out.push(`<p>${inline(p)}</p>`);
    }
  });
  return new SafeHtml(out.join('\n'));
}
