import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { feedVersion, listDailyPapers, type FeedSort } from '../../feed/daily.js';
import { Category, isCategory } from '../../papers/schemas.js';
import { checkedInHandler, errorResponse, type RouteDoc } from '../api/schemas.js';
import { badFeedRequest, FEED_TYPES, renderPaperFeed, sendConditional, type FeedFormat } from './paper-feed.js';

/** How many entries a feed carries: a few busy feed days' worth. */
export const FEED_ENTRIES = 50;

const feedResponse = (format: FeedFormat, description: string) => ({
  description,
  content: { [FEED_TYPES[format]]: { schema: { type: 'string' } } },
});

/** ?category= narrows any of the community feeds to papers with that category (any of theirs). */
export const FeedCategoryQuery = Type.Object({ category: Type.Optional(Category) });

function feedSchema(operationId: string, summary: string, format: FeedFormat) {
  return {
    operationId,
    tags: ['feeds'],
    summary,
    querystring: FeedCategoryQuery,
    response: {
      200: feedResponse(
        format,
        format === 'atom' ? 'Atom 1.0 (RFC 4287); entry ids are the paper page URLs' : 'JSON Feed 1.1; item ids are the paper page URLs',
      ),
      304: { description: 'Not modified (If-None-Match / If-Modified-Since)', type: 'null' },
      400: errorResponse('Not an arXiv category'),
    },
  } satisfies RouteDoc & Record<string, unknown>;
}

export const latestFeedSchema = feedSchema('latestFeed', 'Atom feed of the latest feed days (?category= narrows it)', 'atom');
export const trendingFeedSchema = feedSchema('trendingFeed', 'Atom feed of trending papers (?category= narrows it)', 'atom');

/** GET /papers/feed.xml (latest feed days) and /papers/trending/feed.xml, their JSON Feed twins, ?category=. */
export function registerPapersFeed(app: FastifyInstance, { config, database, pageCache: cache }: AppDeps) {
  const serve = async (
    req: FastifyRequest<{ Querystring: { category?: string } }>,
    reply: FastifyReply,
    o: { sort: FeedSort; format: FeedFormat; path: string; htmlPath: string; title: string; subtitle: string },
  ) => {
    const raw = req.query.category;
    if (raw !== undefined && (typeof raw !== 'string' || !isCategory(raw.trim())))
      return badFeedRequest(reply, `"${String(raw).slice(0, 40)}" is not an arXiv category (e.g. cs.CL)`);
    const category = raw?.trim() || undefined;
    const query = category ? `?category=${encodeURIComponent(category)}` : '';
    const { page } = await cache.serve(
      `${o.path}${query}`,
      () => feedVersion(database),
      async () => {
        const { entries } = await listDailyPapers(database, { sort: o.sort, limit: FEED_ENTRIES, category });
        const r = renderPaperFeed(config.baseUrl, o.format, {
          path: `${o.path}${query}`,
          htmlPath: `${o.htmlPath}${query}`,
          title: category ? `${o.title} · ${category}` : o.title,
          subtitle: o.subtitle,
          items: entries.map((e) => ({ paper: e.paper, at: e.submittedAt })),
          // Votes reorder these lists: the render time, taken after the change it shows.
          lastModified: new Date().toISOString(),
        });
        return { contentType: r.contentType, body: r.body, headers: { 'x-last-modified': r.lastModified } };
      },
    );
    return sendConditional(req, reply, {
      contentType: page.contentType,
      body: page.body,
      lastModified: page.headers?.['x-last-modified'] ?? '1970-01-01T00:00:00.000Z',
    });
  };
  const feeds = [
    {
      sort: 'publishedAt' as const,
      path: '/papers/feed',
      htmlPath: '/',
      title: 'Paperboy · Daily Papers',
      subtitle: 'The latest feed days: papers submitted and upvoted by the community',
      op: 'latestFeed',
    },
    {
      sort: 'trending' as const,
      path: '/papers/trending/feed',
      htmlPath: '/papers/trending',
      title: 'Paperboy · Trending papers',
      subtitle: 'Papers ranked by upvotes and age',
      op: 'trendingFeed',
    },
  ];
  for (const f of feeds) {
    for (const format of ['atom', 'json'] as const) {
      const path = `${f.path}.${format === 'atom' ? 'xml' : 'json'}`;
      const schema =
        format === 'atom'
          ? f.op === 'latestFeed'
            ? latestFeedSchema
            : trendingFeedSchema
          : feedSchema(`${f.op}Json`, `JSON Feed 1.1 of ${f.op === 'latestFeed' ? 'the latest feed days' : 'trending papers'} (?category= narrows it)`, 'json');
      app.get<{ Querystring: { category?: string } }>(path, { schema, ...checkedInHandler }, (req, reply) => serve(req, reply, { ...f, format, path }));
    }
  }
}
