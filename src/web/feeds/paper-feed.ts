// One door for every feed of papers (issue #27): a list of papers rendered as Atom 1.0 or JSON
// Feed 1.1, sent with conditional GET (ETag and Last-Modified; 304 on If-None-Match or
// If-Modified-Since). The daily and trending feeds, a category, a search, an author, a member's
// submissions (and a public collection's) all go through sendPaperFeed.
import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { absUrl, pdfUrl } from '../../papers/arxiv-id.js';
import type { Paper } from '../../papers/paper.js';
import { paperPath } from '../components.js';
import { atomXml, type AtomEntry } from './atom.js';
import { html, type SafeHtml } from '../../util/html.js';

export type FeedFormat = 'atom' | 'json';

export const FEED_TYPES: Record<FeedFormat, string> = {
  atom: 'application/atom+xml',
  json: 'application/feed+json',
};

/** Entries name this many authors, then "et al." */
const MAX_AUTHORS = 10;

export interface PaperFeedItem {
  paper: Paper;
  /** when it entered this list (a submission, a publication): the entry's `updated` */
  at: string;
}

export interface PaperFeed {
  /** the feed's path on this instance, with its query (its id and rel="self"; the JSON twin is derived) */
  path: string;
  /** the HTML page it mirrors */
  htmlPath: string;
  title: string;
  subtitle?: string;
  items: PaperFeedItem[];
  /**
   * When the list last changed, for Last-Modified. By default the newest entry or paper version: right
   * for lists that only grow at the top (an author's, a member's, a search by date). A list that
   * reorders (trending, a day by upvotes) passes the time it was rendered, so If-Modified-Since never
   * keeps a reader on an old order (the ETag still answers 304 while the body is the same).
   */
  lastModified?: string;
}

export interface RenderedFeed {
  contentType: string;
  body: Buffer;
  /** for Last-Modified (see PaperFeed.lastModified; the epoch for an empty feed) */
  lastModified: string;
}

const EPOCH = '1970-01-01T00:00:00.000Z';

function newest(items: PaperFeedItem[]): string {
  return items.reduce((max, i) => (i.at > max ? i.at : max), EPOCH);
}

function authorsOf(p: Paper): string[] {
  return p.authors.length > MAX_AUTHORS ? [...p.authors.slice(0, MAX_AUTHORS), 'et al.'] : p.authors;
}

/** The path of the same feed in the other format: feed.xml <-> feed.json, query kept. */
export function feedPathAs(path: string, format: FeedFormat): string {
  return path.replace(/\/feed\.(xml|json)(?=$|\?)/, format === 'atom' ? '/feed.xml' : '/feed.json');
}

export function renderPaperFeed(baseUrl: string, format: FeedFormat, feed: PaperFeed): RenderedFeed {
  const updated = newest(feed.items);
  const lastModified = feed.lastModified ?? feed.items.reduce((max, i) => (i.paper.updatedAt > max ? i.paper.updatedAt : max), updated);
  // The paper's page on this instance: the same paper is the same entry in every feed and every
  // refresh, so readers never show it twice.
  const entryId = (p: Paper) => `${baseUrl}${paperPath(p.id)}`;
  if (format === 'json') {
    const doc = {
      version: 'https://jsonfeed.org/version/1.1',
      title: feed.title,
      ...(feed.subtitle ? { description: feed.subtitle } : {}),
      home_page_url: `${baseUrl}${feed.htmlPath}`,
      feed_url: `${baseUrl}${feedPathAs(feed.path, 'json')}`,
      authors: [{ name: 'Paperboy' }],
      items: feed.items.map(({ paper: p, at }) => ({
        id: entryId(p),
        url: entryId(p),
        external_url: absUrl(p.id),
        title: p.title,
        content_text: p.abstract,
        summary: p.abstract.length > 300 ? `${p.abstract.slice(0, 297)}…` : p.abstract,
        date_published: new Date(p.publishedAt).toISOString(),
        date_modified: new Date(at).toISOString(),
        authors: authorsOf(p).map((name) => ({ name })),
        tags: p.categories,
        attachments: [{ url: pdfUrl(p.id), mime_type: 'application/pdf', title: 'PDF' }],
      })),
    };
    return { contentType: `${FEED_TYPES.json}; charset=utf-8`, body: Buffer.from(JSON.stringify(doc)), lastModified };
  }
  const entries: AtomEntry[] = feed.items.map(({ paper: p, at }) => ({
    id: entryId(p),
    title: p.title,
    updated: at,
    published: p.publishedAt,
    authors: authorsOf(p),
    summary: p.abstract,
    links: [
      { rel: 'alternate', type: 'text/html', href: entryId(p) },
      { rel: 'related', type: 'text/html', href: absUrl(p.id), title: 'arXiv' },
      { rel: 'enclosure', type: 'application/pdf', href: pdfUrl(p.id), title: 'PDF' },
    ],
    categories: p.categories,
  }));
  const xml = atomXml({
    id: `${baseUrl}${feedPathAs(feed.path, 'atom')}`,
    title: feed.title,
    subtitle: feed.subtitle,
    updated,
    selfUrl: `${baseUrl}${feedPathAs(feed.path, 'atom')}`,
    htmlUrl: `${baseUrl}${feed.htmlPath}`,
    author: 'Paperboy',
    entries,
  });
  return { contentType: `${FEED_TYPES.atom}; charset=utf-8`, body: Buffer.from(xml), lastModified };
}

/**
 * Sends a rendered feed with its validators, or 304 when the reader's copy is current:
 * If-None-Match (the body's hash) decides when sent, else If-Modified-Since (whole seconds, as
 * HTTP dates carry) against the newest entry.
 */
export function sendConditional(req: FastifyRequest, reply: FastifyReply, r: RenderedFeed, cacheControl = 'public, max-age=300'): FastifyReply {
  const etag = `"${crypto.createHash('sha256').update(r.body).digest('base64url').slice(0, 27)}"`;
  const modified = new Date(r.lastModified);
  const modifiedSeconds = Math.floor(modified.getTime() / 1000);
  reply.header('ETag', etag).header('Last-Modified', modified.toUTCString()).header('Cache-Control', cacheControl).header('Vary', 'Accept-Encoding');
  const inm = req.headers['if-none-match'];
  const ims = req.headers['if-modified-since'];
  let fresh = false;
  if (typeof inm === 'string') {
    fresh = inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
  } else if (typeof ims === 'string') {
    const since = Date.parse(ims);
    fresh = !Number.isNaN(since) && modifiedSeconds <= Math.floor(since / 1000);
  }
  if (fresh) return reply.code(304).send();
  return reply.type(r.contentType).send(r.body);
}

export function sendPaperFeed(req: FastifyRequest, reply: FastifyReply, baseUrl: string, format: FeedFormat, feed: PaperFeed): FastifyReply {
  return sendConditional(req, reply, renderPaperFeed(baseUrl, format, feed));
}

/** The <link rel="alternate"> pair of a page that has a feed (feedPath: its feed.xml path, query kept). */
export function feedLinks(feedPath: string, title: string): SafeHtml {
  return html`<link rel="alternate" type="${FEED_TYPES.atom}" title="${title} (Atom)" href="${feedPathAs(feedPath, 'atom')}">
<link rel="alternate" type="${FEED_TYPES.json}" title="${title} (JSON Feed)" href="${feedPathAs(feedPath, 'json')}">`;
}

/** The visible feed links of such a page. */
export function feedAnchors(feedPath: string): SafeHtml {
  return html`<span class="feed-links">Feed: <a href="${feedPathAs(feedPath, 'atom')}" type="${FEED_TYPES.atom}">Atom</a> · <a href="${feedPathAs(feedPath, 'json')}" type="${FEED_TYPES.json}">JSON</a></span>`;
}

/** A feed's bad parameter: 400 with the reason as plain text (a feed reader shows it as is). */
export function badFeedRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).type('text/plain; charset=utf-8').send(`feed: ${message}\n`);
}
