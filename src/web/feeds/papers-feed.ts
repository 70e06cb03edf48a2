import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppDeps } from '../deps.js';
import { feedVersion, listDailyPapers, type DailyEntry, type FeedSort } from '../../feed/daily.js';
import { absUrl, pdfUrl } from '../../papers/arxiv-id.js';
import { paperPath } from '../components.js';
import { atomXml, type AtomEntry } from './atom.js';
import type { RouteDoc } from '../api/schemas.js';

/** How many entries a feed carries: a few busy feed days' worth. */
export const FEED_ENTRIES = 50;
/** Entries name this many authors, then "et al." */
const MAX_AUTHORS = 10;

function entry(baseUrl: string, e: DailyEntry): AtomEntry {
  const url = `${baseUrl}${paperPath(e.paper.id)}`;
  const authors = e.paper.authors.length > MAX_AUTHORS ? [...e.paper.authors.slice(0, MAX_AUTHORS), 'et al.'] : e.paper.authors;
  return {
    // The paper's page on this instance: a paper is featured once, so the URL is a stable id.
    id: url,
    title: e.paper.title,
    updated: e.submittedAt,
    published: e.paper.publishedAt,
    authors,
    summary: e.paper.abstract,
    links: [
      { rel: 'alternate', type: 'text/html', href: url },
      { rel: 'related', type: 'text/html', href: absUrl(e.paper.id), title: 'arXiv' },
      { rel: 'enclosure', type: 'application/pdf', href: pdfUrl(e.paper.id), title: 'PDF' },
    ],
    categories: e.paper.categories,
  };
}

const atom = (description: string) => ({ description, content: { 'application/atom+xml': { schema: { type: 'string' } } } });

export const latestFeedSchema = {
  operationId: 'latestFeed',
  tags: ['feeds'],
  summary: 'Atom feed of the latest feed days',
  response: { 200: atom('Atom 1.0 (RFC 4287); entry ids are the paper page URLs') },
} satisfies RouteDoc & Record<string, unknown>;

export const trendingFeedSchema = {
  operationId: 'trendingFeed',
  tags: ['feeds'],
  summary: 'Atom feed of trending papers',
  response: { 200: atom('Atom 1.0 (RFC 4287)') },
} satisfies RouteDoc & Record<string, unknown>;

/** GET /papers/feed.xml (latest feed days) and /papers/trending/feed.xml: Atom feeds. */
export function registerPapersFeed(app: FastifyInstance, { config, database, pageCache: cache }: AppDeps) {
  const serve = async (reply: FastifyReply, o: { sort: FeedSort; path: string; htmlPath: string; title: string; subtitle: string }) => {
    const { page, state } = await cache.serve(
      o.path,
      () => feedVersion(database),
      async () => {
        const { entries } = await listDailyPapers(database, { sort: o.sort, limit: FEED_ENTRIES });
        const updated = entries.reduce((max, e) => (e.submittedAt > max ? e.submittedAt : max), '1970-01-01T00:00:00.000Z');
        const xml = atomXml({
          id: `${config.baseUrl}${o.path}`,
          title: o.title,
          subtitle: o.subtitle,
          updated,
          selfUrl: `${config.baseUrl}${o.path}`,
          htmlUrl: `${config.baseUrl}${o.htmlPath}`,
          author: 'Paperboy',
          entries: entries.map((e) => entry(config.baseUrl, e)),
        });
        return { contentType: 'application/atom+xml; charset=utf-8', body: Buffer.from(xml) };
      },
    );
    return reply.type(page.contentType).header('Cache-Control', 'public, max-age=300').header('X-Cache', state).send(page.body);
  };
  app.get('/papers/feed.xml', { schema: latestFeedSchema }, (_req, reply) =>
    serve(reply, {
      sort: 'publishedAt',
      path: '/papers/feed.xml',
      htmlPath: '/',
      title: 'Paperboy · Daily Papers',
      subtitle: 'The latest feed days: papers submitted and upvoted by the community',
    }),
  );
  app.get('/papers/trending/feed.xml', { schema: trendingFeedSchema }, (_req, reply) =>
    serve(reply, {
      sort: 'trending',
      path: '/papers/trending/feed.xml',
      htmlPath: '/papers/trending',
      title: 'Paperboy · Trending papers',
      subtitle: 'Papers ranked by upvotes and age',
    }),
  );
}
