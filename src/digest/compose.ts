import { html, raw, type SafeHtml } from '../util/html.js';
import type { Paper } from '../papers/paper.js';
import type { Period } from './period.js';
import type { DigestPaper } from './sources.js';
import type { SavedTopic, Subscriber } from './subscriptions.js';
import type { TopicMatcher } from './topics.js';

// What goes into one subscriber's digest and how it looks. Selection is pure: given the period's
// trending list, a topic matcher and the papers this subscriber was already sent, it picks each
// paper at most once (trending first, then topics in the subscriber's order).

/** papers per topic section */
export const TOPIC_LIMIT = 10;
/** papers in a member's Following section */
export const FOLLOWING_LIMIT = 10;

export interface DigestSection {
  title: string;
  /** the saved search, for topic sections */
  topic?: SavedTopic;
  items: DigestPaper[];
}

export interface DigestContent {
  sections: DigestSection[];
  paperIds: string[];
}

export interface SelectInput {
  subscriber: Pick<Subscriber, 'trendingCount'>;
  topics: SavedTopic[];
  /** the period's trending papers, best first, longer than any subscriber's top N */
  trending: DigestPaper[];
  matcher: TopicMatcher;
  /** candidate papers by id (for topic matches) */
  papersById: Map<string, Paper>;
  upvotes: Map<string, number>;
  alreadySent: Set<string>;
  /** the member's own ranking of the period's papers, best first (members only); its top N lead the digest */
  forYou?: DigestPaper[];
  /** N: papers in the For-you section */
  forYouCount?: number;
  /** what the member's follows brought in the period, newest first (members only): after For you */
  following?: DigestPaper[];
}

export function selectDigest(input: SelectInput): DigestContent {
  const taken = new Set(input.alreadySent);
  const sections: DigestSection[] = [];
  // Every section takes its first N papers not taken yet: not sent before, not in a section above.
  const section = (title: string, candidates: DigestPaper[], n: number) => {
    const items: DigestPaper[] = [];
    for (const item of candidates) {
      if (items.length >= n) break;
      if (taken.has(item.paper.id)) continue;
      taken.add(item.paper.id);
      items.push(item);
    }
    if (items.length) sections.push({ title, items });
  };
  section('For you', input.forYou ?? [], input.forYouCount ?? 0);
  section('Following', input.following ?? [], FOLLOWING_LIMIT);
  section('Trending papers', input.trending, input.subscriber.trendingCount);
  for (const topic of input.topics) {
    // Ask for more than shown, so papers already sent do not leave the section short.
    const ids = input.matcher.match(topic, TOPIC_LIMIT + taken.size);
    const items: DigestPaper[] = [];
    for (const id of ids) {
      if (items.length >= TOPIC_LIMIT) break;
      const paper = input.papersById.get(id);
      if (!paper || taken.has(id)) continue;
      taken.add(id);
      items.push({ paper, upvotes: input.upvotes.get(id) ?? 0 });
    }
    if (items.length) sections.push({ title: topicTitle(topic), topic, items });
  }
  return { sections, paperIds: sections.flatMap((s) => s.items.map((i) => i.paper.id)) };
}

export function topicTitle(t: { query: string; categories: string[] }): string {
  return `Topic: ${t.query}${t.categories.length ? ` (${t.categories.join(', ')})` : ''}`;
}

export interface DigestLinks {
  baseUrl: string;
  manageUrl: string;
  unsubscribeUrl: string;
}

export interface RenderedDigest {
  subject: string;
  text: string;
  html: string;
}

function shortDate(day: string): string {
  return new Date(`${day}T12:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
}

const labels = new Map<string, string>();
export function periodLabel(period: Period): string {
  let label = labels.get(period.key);
  if (label === undefined) {
    label = periodLabelUncached(period);
    if (labels.size > 1000) labels.clear();
    labels.set(period.key, label);
  }
  return label;
}

function periodLabelUncached(period: Period): string {
  return period.frequency === 'daily' ? shortDate(period.firstDay) : `the week of ${shortDate(period.firstDay)} to ${shortDate(period.lastDay)}`;
}

/** About two lines of a mail client's column. */
export function twoLineExcerpt(text: string, chars = 170): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= chars) return t;
  const cut = t.slice(0, chars);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), chars - 30)).replace(/[,;:.\s]+$/, '')}…`;
}

export function authorsShort(authors: string[], max = 4): string {
  return authors.length <= max ? authors.join(', ') : `${authors.slice(0, max).join(', ')} et al.`;
}

export function paperUrl(baseUrl: string, id: string): string {
  return `${baseUrl}/papers/${id}`;
}

function upvoteLabel(n: number): string {
  return `▲ ${n} upvote${n === 1 ? '' : 's'}`;
}

// Thousands of digests of one period show the same papers: each paper's rendering is made once
// (per base URL and upvote count) and reused.
const rendered = new WeakMap<Paper, Map<string, { text: string; html: string }>>();

function renderedPaper(item: DigestPaper, baseUrl: string): { text: string; html: string } {
  if (item.reason) {
    // A member's own reason: made for this digest alone.
    const p = item.paper;
    const ex = twoLineExcerpt(p.abstract);
    return {
      text: `${p.title}\n   ${paperUrl(baseUrl, p.id)}\n   ${authorsShort(p.authors)} · ${upvoteLabel(item.upvotes)}\n   ${item.reason}\n   ${ex}\n`,
      html: paperRow(item, baseUrl, ex).value,
    };
  }
  let byKey = rendered.get(item.paper);
  if (!byKey) rendered.set(item.paper, (byKey = new Map()));
  const key = `${item.upvotes}\n${baseUrl}`;
  let r = byKey.get(key);
  if (!r) {
    const p = item.paper;
    const url = paperUrl(baseUrl, p.id);
    const ex = twoLineExcerpt(p.abstract);
    r = { text: `${p.title}\n   ${url}\n   ${authorsShort(p.authors)} · ${upvoteLabel(item.upvotes)}\n   ${ex}\n`, html: paperRow(item, baseUrl, ex).value };
    byKey.set(key, r);
  }
  return r;
}

export function renderDigestText(content: DigestContent, period: Period, links: DigestLinks): string {
  const out: string[] = [`Paperboy ${period.frequency} digest: ${periodLabel(period)}`, ''];
  for (const s of content.sections) {
    out.push(s.title, '='.repeat(Math.min(s.title.length, 72)), '');
    s.items.forEach((item, i) => out.push(`${i + 1}. ${renderedPaper(item, links.baseUrl).text}`));
  }
  out.push('--', `Change frequency, topics or pause: ${links.manageUrl}`, `Unsubscribe: ${links.unsubscribeUrl}`, '');
  return out.join('\n');
}

// Colours chosen to read on white and, where clients honour prefers-color-scheme (Apple Mail,
// iOS, Outlook.com), on dark; clients that invert colours themselves get plain high contrast.
const C = { bg: '#f3f4f6', card: '#ffffff', fg: '#111827', muted: '#4b5563', line: '#e5e7eb', link: '#1d4ed8', accent: '#b45309' };
const FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";

function paperRow(item: DigestPaper, baseUrl: string, ex: string): SafeHtml {
  const p = item.paper;
  return html`<tr><td class="pb-card" style="padding:14px 18px;border-top:1px solid ${C.line};">
<a class="pb-link" href="${paperUrl(baseUrl, p.id)}" style="${FONT}font-size:16px;line-height:1.35;font-weight:600;color:${C.link};text-decoration:none;">${p.title}</a>
<div class="pb-muted" style="${FONT}font-size:13px;line-height:1.5;color:${C.muted};padding-top:3px;">${authorsShort(p.authors)} &#183; <span style="color:${C.accent};font-weight:600;">${upvoteLabel(item.upvotes)}</span> &#183; arXiv:${p.id}</div>
${item.reason ? html`<div class="pb-muted" style="${FONT}font-size:13px;font-style:italic;color:${C.muted};padding-top:3px;">${item.reason}</div>` : ''}
<div class="pb-fg" style="${FONT}font-size:14px;line-height:1.5;color:${C.fg};padding-top:5px;">${ex}</div>
</td></tr>`;
}

export function renderDigestHtml(content: DigestContent, period: Period, links: DigestLinks): string {
  const title = `Paperboy ${period.frequency} digest`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">
<title>${title}</title>
<style>${raw(`@media (prefers-color-scheme: dark) {
  .pb-body, .pb-outer { background:#0b0f17 !important; }
  .pb-card, .pb-inner { background:#111827 !important; }
  .pb-fg, .pb-h { color:#e5e7eb !important; }
  .pb-muted { color:#9ca3af !important; }
  .pb-link { color:#93c5fd !important; }
}`)}</style></head>
<body class="pb-body" style="margin:0;padding:0;background:${C.bg};">
<table role="presentation" class="pb-outer" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:${C.bg};"><tr><td align="center" style="padding:24px 12px;">
<table role="presentation" class="pb-inner" width="640" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:640px;background:${C.card};border:1px solid ${C.line};border-radius:10px;">
<tr><td class="pb-card" style="padding:20px 18px 8px;">
<div class="pb-h" style="${FONT}font-size:22px;font-weight:700;color:${C.fg};">${title}</div>
<div class="pb-muted" style="${FONT}font-size:14px;color:${C.muted};padding-top:4px;">${periodLabel(period)} &#183; ${content.paperIds.length} paper${content.paperIds.length === 1 ? '' : 's'}</div>
</td></tr>
${content.sections.map(
  (
    s,
  ) => html`<tr><td class="pb-card" style="padding:18px 18px 6px;"><div class="pb-h" style="${FONT}font-size:13px;font-weight:700;letter-spacing:.06em;text-transform:uppercase;color:${C.accent};">${s.title}</div></td></tr>
${s.items.map((i) => raw(renderedPaper(i, links.baseUrl).html))}`,
)}
<tr><td class="pb-card" style="padding:16px 18px 20px;border-top:1px solid ${C.line};">
<div class="pb-muted" style="${FONT}font-size:12px;line-height:1.6;color:${C.muted};">You receive this because you subscribed at <a class="pb-link" href="${links.baseUrl}/" style="color:${C.link};">${links.baseUrl.replace(/^https?:\/\//, '')}</a>.<br>
<a class="pb-link" href="${links.manageUrl}" style="color:${C.link};">Change frequency, topics or pause</a> &#183; <a class="pb-link" href="${links.unsubscribeUrl}" style="color:${C.link};">Unsubscribe</a></div>
</td></tr>
</table></td></tr></table>
</body></html>`.toString();
}

export function digestSubject(content: DigestContent, period: Period): string {
  const first = content.sections[0]?.items[0]?.paper.title ?? '';
  const lead = first.length > 60 ? `${first.slice(0, 57)}…` : first;
  return `Paperboy ${period.frequency === 'daily' ? 'daily' : 'weekly'} · ${periodLabel(period)}: ${lead}`;
}

export function renderDigest(content: DigestContent, period: Period, links: DigestLinks): RenderedDigest {
  return { subject: digestSubject(content, period), text: renderDigestText(content, period, links), html: renderDigestHtml(content, period, links) };
}
