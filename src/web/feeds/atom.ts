// Atom 1.0 (RFC 4287) documents, written with fast-xml-parser's builder so escaping is never
// done by hand.
import { XMLBuilder } from 'fast-xml-parser';

export interface AtomLink {
  href: string;
  rel?: string;
  type?: string;
  title?: string;
}

export interface AtomEntry {
  /** permanent, unique IRI: never changes for the same entry */
  id: string;
  title: string;
  updated: string;
  published?: string;
  authors: string[];
  summary?: string;
  links: AtomLink[];
  categories?: string[];
}

export interface AtomFeed {
  id: string;
  title: string;
  subtitle?: string;
  updated: string;
  /** the feed's own URL (rel="self") */
  selfUrl: string;
  /** the HTML page it mirrors (rel="alternate") */
  htmlUrl: string;
  /** feed-level author: stands in for entries without one, as RFC 4287 4.1.1 requires */
  author: string;
  entries: AtomEntry[];
}

// XML 1.0 forbids most C0 control characters even escaped; arXiv text occasionally has them.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(s: string): string {
  return s.replace(NOT_XML_CHAR, '');
}

function atomDate(iso: string): string {
  // RFC 3339 date-time; toISOString gives exactly that in UTC.
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? new Date(0).toISOString() : new Date(ms).toISOString();
}

function link(l: AtomLink) {
  return { '@_href': l.href, ...(l.rel ? { '@_rel': l.rel } : {}), ...(l.type ? { '@_type': l.type } : {}), ...(l.title ? { '@_title': text(l.title) } : {}) };
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', format: true, suppressEmptyNode: true });

export function atomXml(feed: AtomFeed): string {
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    feed: {
      '@_xmlns': 'http://www.w3.org/2005/Atom',
      id: feed.id,
      title: { '@_type': 'text', '#text': text(feed.title) },
      ...(feed.subtitle ? { subtitle: { '@_type': 'text', '#text': text(feed.subtitle) } } : {}),
      updated: atomDate(feed.updated),
      link: [link({ rel: 'self', type: 'application/atom+xml', href: feed.selfUrl }), link({ rel: 'alternate', type: 'text/html', href: feed.htmlUrl })],
      author: { name: text(feed.author) },
      generator: 'Paperboy',
      entry: feed.entries.map((e) => ({
        id: e.id,
        title: { '@_type': 'text', '#text': text(e.title) },
        updated: atomDate(e.updated),
        ...(e.published ? { published: atomDate(e.published) } : {}),
        ...(e.authors.length ? { author: e.authors.map((name) => ({ name: text(name) })) } : {}),
        ...(e.summary ? { summary: { '@_type': 'text', '#text': text(e.summary) } } : {}),
        link: e.links.map(link),
        ...(e.categories?.length ? { category: e.categories.map((term) => ({ '@_term': text(term) })) } : {}),
      })),
    },
  };
  return builder.build(doc);
}
