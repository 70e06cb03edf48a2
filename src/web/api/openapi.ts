// The OpenAPI 3.1 description of the public API: served as /openapi.json and rendered as the
// reference at /api/docs. Kept beside the handlers so a change to one is seen next to the other.
import { MAX_LIMIT } from '../../feed/daily.js';
import { DEFAULT_LIMIT, MAX_PAGE } from './daily-papers-list.schema.js';
import { DEFAULT_PAPERS_LIMIT } from './papers-list.schema.js';
import { MAX_LIMIT as MAX_SEARCH_LIMIT, MAX_QUERY_LENGTH, SEARCH_SORTS } from '../../search/service.js';

export interface OpenApiParameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required?: boolean;
  description: string;
  schema: Record<string, unknown>;
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  parameters?: OpenApiParameter[];
  /** [{ bearer: [] }]: needs a personal API token */
  security?: Record<string, string[]>[];
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; headers?: Record<string, { description: string; schema: Record<string, unknown> }>; content?: Record<string, { schema: Record<string, unknown> }> }>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, SchemaObject>; securitySchemes: Record<string, { type: string; scheme: string; description: string }> };
}

export interface SchemaObject {
  type?: string | string[];
  description?: string;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  items?: SchemaObject;
  $ref?: string;
  format?: string;
  enum?: string[];
  oneOf?: SchemaObject[];
}

const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: SchemaObject) => ({ 'application/json': { schema: schema as Record<string, unknown> } });
const str = (description: string, format?: string): SchemaObject => ({ type: 'string', description, ...(format ? { format } : {}) });
const nullableStr = (description: string): SchemaObject => ({ type: ['string', 'null'], description });
const error = { description: 'A parameter is malformed; `message` says which and why.', content: json(ref('Error')) };
const rejected = (description: string) => ({ description, content: json(ref('Error')) });
const arxivIdParam: OpenApiParameter = { name: 'arxivId', in: 'path', required: true, description: 'arXiv id without version, e.g. 2605.00467 (old-style ids such as hep-th/9901001 work too)', schema: { type: 'string' } };
const nextLink = { Link: { description: '`<URL>; rel="next"` when another page follows', schema: { type: 'string' } } };

export function openApiDocument(baseUrl: string): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Paperboy API',
      version: '1',
      description:
        'Read the daily feed of this Paperboy instance. Field names follow the hosted Daily Papers API, so clients written for it work here. Times are ISO-8601 UTC; feed days are YYYY-MM-DD in the instance\'s FEED_TIMEZONE.',
    },
    servers: [{ url: baseUrl }],
    paths: {
      '/api/daily_papers': {
        get: {
          operationId: 'listDailyPapers',
          tags: ['feed'],
          summary: 'Papers of the daily feed',
          description:
            'Submitted papers, newest feed day first and, within a day, most upvoted first, then earliest submitted; or by trending score. Give at most one of `date`, `week`, `month`.',
          parameters: [
            { name: 'date', in: 'query', description: 'one feed day, YYYY-MM-DD', schema: { type: 'string', format: 'date', example: '2026-05-29' } },
            { name: 'week', in: 'query', description: 'one ISO week, YYYY-Www', schema: { type: 'string', pattern: '^\\d{4}-W\\d{2}$', example: '2026-W22' } },
            { name: 'month', in: 'query', description: 'one calendar month, YYYY-MM', schema: { type: 'string', pattern: '^\\d{4}-\\d{2}$', example: '2026-05' } },
            { name: 'submitter', in: 'query', description: 'username of the member who submitted', schema: { type: 'string' } },
            { name: 'category', in: 'query', description: 'arXiv category, any of the paper\'s (e.g. cs.CL)', schema: { type: 'string' } },
            { name: 'sort', in: 'query', description: '`publishedAt` (by feed day, then upvotes) or `trending` (by hotness)', schema: { type: 'string', enum: ['publishedAt', 'trending'], default: 'publishedAt' } },
            { name: 'p', in: 'query', description: 'page number, from 0', schema: { type: 'integer', minimum: 0, maximum: MAX_PAGE, default: 0 } },
            { name: 'limit', in: 'query', description: 'items per page', schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT } },
          ],
          responses: {
            '200': { description: 'One page of feed items', headers: nextLink, content: json({ type: 'array', items: ref('DailyPaper') }) },
            '400': error,
          },
        },
      },
      '/api/papers': {
        get: {
          operationId: 'listPapers',
          tags: ['papers'],
          summary: 'Every paper in the instance, newest first',
          description: 'Follow the `Link: rel="next"` header (it carries the cursor) to read on.',
          parameters: [
            { name: 'cursor', in: 'query', description: 'opaque position from the previous page\'s Link header', schema: { type: 'string' } },
            { name: 'limit', in: 'query', description: 'papers per page', schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_PAPERS_LIMIT } },
          ],
          responses: {
            '200': { description: 'One page of papers', headers: nextLink, content: json({ type: 'array', items: ref('Paper') }) },
            '400': error,
          },
        },
      },
      '/api/papers/search': {
        get: {
          operationId: 'searchPapers',
          tags: ['papers'],
          summary: 'Search every paper by words and meaning',
          description:
            'Hybrid search: bm25 over title, abstract and authors fused with the embedding model\'s nearest neighbours (lexical alone when there is no model or the query embedding is slow). An arXiv id or an exact title puts that paper first; a quoted phrase is honoured. The header `X-Search-Mode` says `hybrid` or `lexical`.',
          parameters: [
            { name: 'q', in: 'query', required: true, description: `the query: words, a description, a title or an arXiv id (at most ${MAX_QUERY_LENGTH} characters)`, schema: { type: 'string', maxLength: MAX_QUERY_LENGTH } },
            { name: 'limit', in: 'query', description: 'results', schema: { type: 'integer', minimum: 1, maximum: MAX_SEARCH_LIMIT, default: 30 } },
            { name: 'from', in: 'query', description: 'published on or after, YYYY-MM-DD', schema: { type: 'string', format: 'date' } },
            { name: 'to', in: 'query', description: 'published on or before, YYYY-MM-DD', schema: { type: 'string', format: 'date' } },
            { name: 'category', in: 'query', description: 'arXiv category, any of the paper\'s (e.g. cs.CL)', schema: { type: 'string' } },
            { name: 'featured', in: 'query', description: '1: only papers featured in the daily feed', schema: { type: 'string', enum: ['0', '1'] } },
            { name: 'sort', in: 'query', description: '`relevance`, or the most relevant 50 (or `limit`) by `date` or `upvotes`', schema: { type: 'string', enum: SEARCH_SORTS, default: 'relevance' } },
          ],
          responses: {
            '200': {
              description: 'Matching papers, best first, as daily feed items (feed fields empty for papers never featured) with a `score`',
              headers: { 'X-Search-Mode': { description: '`hybrid` or `lexical`', schema: { type: 'string' } } },
              content: json({ type: 'array', items: ref('DailyPaper') }),
            },
            '400': error,
          },
        },
      },
      '/api/papers/{arxivId}/similar': {
        get: {
          operationId: 'similarPapers',
          tags: ['papers'],
          summary: 'The papers nearest to one paper by its stored vector',
          parameters: [arxivIdParam, { name: 'limit', in: 'query', description: 'papers', schema: { type: 'integer', minimum: 1, maximum: 50, default: 10 } }],
          responses: {
            '200': { description: '`{ id, papers }`: papers as daily feed items with a `score`; empty while the paper has no vector', content: json({ type: 'object', properties: { id: { type: 'string' }, papers: { type: 'array', items: ref('DailyPaper') } } }) },
            '400': error,
            '404': { description: 'The paper is not in this instance', content: json(ref('Error')) },
          },
        },
      },
      '/api/papers/{arxivId}': {
        get: {
          operationId: 'getPaper',
          tags: ['papers'],
          summary: 'One paper, with its upvotes and submitter when it was featured',
          parameters: [arxivIdParam],
          responses: {
            '200': { description: 'The paper', content: json(ref('Paper')) },
            '404': { description: 'Not an arXiv id, or not in this instance', content: json(ref('Error')) },
          },
        },
      },
      '/api/papers/submit': {
        post: {
          operationId: 'submitPaper',
          tags: ['community'],
          summary: 'Submit a paper to today\'s feed',
          description: 'The same rules as the /submit form: a paper is featured once, submissions close some days after arXiv publication, a daily cap per member.',
          security: [{ bearer: [] }],
          requestBody: { required: true, content: json(ref('SubmitRequest')) },
          responses: {
            '201': { description: 'Submitted', content: json(ref('Submission')) },
            '400': rejected('Malformed input (e.g. not an arXiv id, a link that is not http(s))'),
            '401': rejected('No valid API token'),
            '404': rejected('The paper is not in this instance'),
            '409': rejected('Already featured'),
            '422': rejected('Submissions for it are closed'),
            '429': rejected('Daily cap or rate limit reached (Retry-After says when)'),
          },
        },
      },
      '/api/papers/{arxivId}/upvote': {
        post: {
          operationId: 'upvotePaper',
          tags: ['community'],
          summary: 'Upvote a paper (idempotent)',
          security: [{ bearer: [] }],
          parameters: [arxivIdParam],
          responses: { '200': { description: 'The vote and the new count', content: json(ref('Vote')) }, '401': rejected('No valid API token'), '404': rejected('Unknown paper') },
        },
        delete: {
          operationId: 'unvotePaper',
          tags: ['community'],
          summary: 'Take back an upvote (idempotent)',
          security: [{ bearer: [] }],
          parameters: [arxivIdParam],
          responses: { '200': { description: 'The vote and the new count', content: json(ref('Vote')) }, '401': rejected('No valid API token'), '404': rejected('Unknown paper') },
        },
      },
      '/papers/feed.xml': {
        get: {
          operationId: 'latestFeed',
          tags: ['feeds'],
          summary: 'Atom feed of the latest feed days',
          responses: { '200': { description: 'Atom 1.0 (RFC 4287); entry ids are the paper page URLs', content: { 'application/atom+xml': { schema: { type: 'string' } } } } },
        },
      },
      '/papers/trending/feed.xml': {
        get: {
          operationId: 'trendingFeed',
          tags: ['feeds'],
          summary: 'Atom feed of trending papers',
          responses: { '200': { description: 'Atom 1.0 (RFC 4287)', content: { 'application/atom+xml': { schema: { type: 'string' } } } } },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A personal API token, created on your profile page: `Authorization: Bearer TOKEN`.' },
      },
      schemas: {
        DailyPaper: {
          type: 'object',
          description: 'A paper as featured on a feed day.',
          required: ['paper', 'publishedAt', 'title', 'summary', 'numComments', 'submittedBy'],
          properties: {
            paper: ref('Paper'),
            publishedAt: str('when arXiv published the paper', 'date-time'),
            title: str('the paper\'s title (plain text; may contain LaTeX)'),
            summary: str('the abstract (plain text)'),
            numComments: { type: 'integer', description: 'comments in the discussion' },
            submittedBy: { oneOf: [ref('User'), { type: 'null' }], description: 'who submitted it to the feed' },
            githubRepo: nullableStr('the code repository (same as paper.githubRepo)'),
            projectPage: nullableStr('the project page (same as paper.projectPage)'),
            comment: nullableStr('the submitter\'s note'),
            feedDay: { oneOf: [str('the feed day it was featured on, YYYY-MM-DD', 'date'), { type: 'null' }], description: 'null for a search hit never featured' },
            mediaUrls: { type: 'array', items: { type: 'string' }, description: 'always empty here' },
            isAuthorParticipating: { type: 'boolean', description: 'always false here' },
          },
        },
        Paper: {
          type: 'object',
          required: ['id', 'title', 'summary', 'authors', 'publishedAt', 'upvotes'],
          properties: {
            id: str('arXiv id without version'),
            title: str('title'),
            summary: str('abstract'),
            authors: { type: 'array', items: ref('Author'), description: 'in paper order' },
            publishedAt: str('first published on arXiv', 'date-time'),
            updatedAt: str('latest version on arXiv', 'date-time'),
            categories: { type: 'array', items: { type: 'string' }, description: 'arXiv categories, primary first' },
            upvotes: { type: 'integer', description: 'members\' upvotes (0 when not featured)' },
            discussionId: str('id of the paper\'s discussion'),
            githubRepo: nullableStr('code repository'),
            projectPage: nullableStr('project page'),
            submittedOnDailyAt: { type: ['string', 'null'], format: 'date-time', description: 'when it was submitted to the feed' },
            submittedOnDailyBy: { oneOf: [ref('User'), { type: 'null' }], description: 'who submitted it' },
          },
        },
        Author: {
          type: 'object',
          required: ['_id', 'name'],
          properties: { _id: str('stable id: arXiv id and position'), name: str('as listed on arXiv'), hidden: { type: 'boolean', description: 'always false' } },
        },
        User: {
          type: 'object',
          required: ['_id', 'name', 'fullname'],
          properties: {
            _id: str('user id'),
            name: str('username'),
            fullname: str('display name'),
            type: { type: 'string', enum: ['user'] },
            avatarUrl: nullableStr('no avatars here: null'),
          },
        },
        SubmitRequest: {
          type: 'object',
          required: ['arxivId'],
          properties: {
            arxivId: str('arXiv id or arxiv.org URL'),
            comment: str('a note from the submitter (at most 2,000 characters)'),
            githubRepo: str('code repository, http(s)'),
            projectPage: str('project page, http(s)'),
          },
        },
        Submission: {
          type: 'object',
          properties: {
            paper: { type: 'object', description: '{ id, upvotes }' },
            feedDay: str('feed day it was featured on', 'date'),
            submittedOnDailyAt: str('submission time', 'date-time'),
            submittedBy: { type: ['object', 'null'], description: '{ user: username }' },
            comment: nullableStr('the submitter\'s note'),
            githubRepo: nullableStr('code repository'),
            projectPage: nullableStr('project page'),
            numComments: { type: 'integer', description: 'comments so far' },
          },
        },
        Vote: {
          type: 'object',
          properties: { paper: { type: 'object', description: '{ id, upvotes }' }, upvoted: { type: 'boolean', description: 'whether the token\'s member now upvotes it' } },
        },
        Error: {
          type: 'object',
          required: ['error', 'message'],
          properties: { error: str('HTTP reason, e.g. Bad Request'), message: str('what was wrong, starting with the module') },
        },
      },
    },
  };
}
