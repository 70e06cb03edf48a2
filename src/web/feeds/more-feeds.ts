import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { checkedInHandler, errorResponse, type RouteDoc } from '../api/schemas.js';
import { parseSearchRequest, searchQuerySchema } from '../../search/request.js';
import { SearchBusy } from '../../search/answers.js';
import { authorKey, MAX_AUTHOR_NAME } from '../../follow/author-name.js';
import { badFeedRequest, FEED_TYPES, sendPaperFeed, type FeedFormat, type PaperFeedItem } from './paper-feed.js';
import { FEED_ENTRIES } from './papers-feed.js';

// The feeds of a search, an author name and a member's submissions (issue #27), Atom and JSON
// Feed 1.1 each, through the one feed door (paper-feed.ts). The lists are the pages' own queries.

const feedDoc = (operationId: string, summary: string, format: FeedFormat, extra: Record<string, unknown>) =>
  ({
    operationId,
    tags: ['feeds'],
    summary,
    ...extra,
    response: {
      200: { description: format === 'atom' ? 'Atom 1.0 (RFC 4287)' : 'JSON Feed 1.1', content: { [FEED_TYPES[format]]: { schema: { type: 'string' } } } },
      304: { description: 'Not modified (If-None-Match / If-Modified-Since)', type: 'null' },
      400: errorResponse('A parameter is malformed; the body says which'),
    },
  }) satisfies RouteDoc & Record<string, unknown>;

const NameParams = Type.Object({ name: Type.String({ description: 'an author name as written on a paper, e.g. J. R. R. Tolkien' }) });
const UsernameParams = Type.Object({ username: Type.String({ description: "a member's username" }) });

const FORMATS = [
  ['atom', 'xml'],
  ['json', 'json'],
] as const;

/** The member's visible submissions, newest first (the member feed and page). */
export async function memberSubmissions(deps: AppDeps, userId: number, limit: number): Promise<PaperFeedItem[]> {
  const subs = (await deps.community.submissions.listBySubmitter(userId, limit)).filter((s) => !s.hidden);
  const papers = new Map((await deps.papers.getMany(subs.map((s) => s.paperId))).map((p) => [p.id, p]));
  return subs.flatMap((s) => {
    const paper = papers.get(s.paperId);
    return paper ? [{ paper, at: s.submittedAt }] : [];
  });
}

export function registerMoreFeeds(app: FastifyInstance, deps: AppDeps) {
  const { config, searchAnswers, authors, community } = deps;
  for (const [format, ext] of FORMATS) {
    // A search's newest matches: the same request as /search (its filters too), by date unless ?sort= says otherwise.
    app.get<{ Querystring: Record<string, unknown> }>(
      `/search/feed.${ext}`,
      {
        schema: feedDoc(
          format === 'atom' ? 'searchFeed' : 'searchFeedJson',
          `${format === 'atom' ? 'Atom' : 'JSON Feed 1.1'} of a search's newest matches`,
          format,
          {
            querystring: searchQuerySchema(FEED_ENTRIES),
          },
        ),
        ...checkedInHandler,
      },
      async (req, reply) => {
        const parsed = parseSearchRequest({ sort: 'date', ...req.query, limit: undefined }, FEED_ENTRIES);
        if ('error' in parsed) return badFeedRequest(reply, parsed.error);
        if (!parsed.q) return badFeedRequest(reply, 'say what to search for: /search/feed.xml?q=words');
        let items: PaperFeedItem[];
        try {
          items = await searchAnswers.answer(`feed-items`, parsed, (r) => ({
            value: r.papers.map((h) => ({ paper: h.paper, at: h.paper.publishedAt })),
            bytes: 2000 * r.papers.length,
          }));
        } catch (e) {
          if (!(e instanceof SearchBusy)) throw e;
          return reply.code(503).header('Retry-After', String(e.retryAfterSeconds)).type('text/plain; charset=utf-8').send('feed: search is busy, try again\n');
        }
        const qs = new URLSearchParams();
        for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string' && v && k !== 'limit') qs.set(k, v);
        return sendPaperFeed(req, reply, config.baseUrl, format, {
          path: `/search/feed.${ext}?${qs}`,
          htmlPath: `/search?${qs}`,
          title: `Paperboy · Search: ${parsed.q}`,
          subtitle: `The newest papers matching “${parsed.q}”`,
          items,
        });
      },
    );

    app.get<{ Params: { name: string } }>(
      `/authors/:name/feed.${ext}`,
      {
        schema: feedDoc(
          format === 'atom' ? 'authorFeed' : 'authorFeedJson',
          `${format === 'atom' ? 'Atom' : 'JSON Feed 1.1'} of an author name's papers`,
          format,
          { params: NameParams },
        ),
      },
      async (req, reply) => {
        const name = req.params.name.trim();
        const key = authorKey(name);
        if (!key || name.length > MAX_AUTHOR_NAME) return badFeedRequest(reply, `"${name.slice(0, 60)}" is not an author name`);
        await authors.freshen();
        const { papers } = await authors.papers(key, { offset: 0, limit: FEED_ENTRIES });
        const path = `/authors/${encodeURIComponent(name)}`;
        return sendPaperFeed(req, reply, config.baseUrl, format, {
          path: `${path}/feed.${ext}`,
          htmlPath: path,
          title: `Paperboy · Papers by ${name}`,
          items: papers.map((p) => ({ paper: p, at: p.publishedAt })),
        });
      },
    );

    app.get<{ Params: { username: string } }>(
      `/u/:username/feed.${ext}`,
      {
        schema: feedDoc(
          format === 'atom' ? 'memberFeed' : 'memberFeedJson',
          `${format === 'atom' ? 'Atom' : 'JSON Feed 1.1'} of a member's submissions`,
          format,
          {
            params: UsernameParams,
          },
        ),
      },
      async (req: FastifyRequest<{ Params: { username: string } }>, reply: FastifyReply) => {
        const user = req.params.username.length <= 40 ? await community.accounts.getByUsername(req.params.username) : null;
        if (!user)
          return reply
            .code(404)
            .type('text/plain; charset=utf-8')
            .send(`feed: there is no member called ${req.params.username.slice(0, 40)}\n`);
        const path = `/u/${encodeURIComponent(user.username)}`;
        return sendPaperFeed(req, reply, config.baseUrl, format, {
          path: `${path}/feed.${ext}`,
          htmlPath: path,
          title: `Paperboy · Submitted by ${user.displayName ?? user.username}`,
          items: await memberSubmissions(deps, user.id, FEED_ENTRIES),
        });
      },
    );
  }
}
