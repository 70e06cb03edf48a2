// The JSON shapes of the API as schemas: registered once with Fastify (app.addSchema) so routes
// refer to them by name, and /openapi.json lists them under components.schemas. They document
// what the presenters (presenters.ts) write; responses are not filtered through them (see
// openapi.ts), so a presenter field missing here still reaches clients (and openapi.test.ts says so).
import { Type, type TSchema } from '@sinclair/typebox';

const str = (description: string, format?: string) => Type.String({ description, ...(format ? { format } : {}) });
const nullableStr = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

export const User = Type.Object(
  {
    _id: str('user id'),
    name: str('username'),
    fullname: str('display name'),
    type: Type.Literal('user'),
    avatarUrl: nullableStr('no avatars here: null'),
  },
  { $id: 'User' },
);

export const Author = Type.Object(
  {
    _id: str('stable id: arXiv id and position'),
    name: str('as listed on arXiv'),
    hidden: Type.Optional(Type.Boolean({ description: 'always false' })),
  },
  { $id: 'Author' },
);

const userOrNull = (description: string) => Type.Union([Type.Ref(User), Type.Null()], { description });

export const Paper = Type.Object(
  {
    id: str('arXiv id without version'),
    title: str('title'),
    summary: str('abstract'),
    authors: Type.Array(Type.Ref(Author), { description: 'in paper order' }),
    publishedAt: str('first published on arXiv', 'date-time'),
    updatedAt: Type.Optional(str('latest version on arXiv', 'date-time')),
    categories: Type.Optional(Type.Array(Type.String(), { description: 'arXiv categories, primary first' })),
    upvotes: Type.Integer({ description: "members' upvotes (0 when not featured)" }),
    discussionId: Type.Optional(str("id of the paper's discussion")),
    githubRepo: Type.Optional(nullableStr('code repository')),
    projectPage: Type.Optional(nullableStr('project page')),
    githubStars: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
        description:
          'GitHub stars of githubRepo, as last counted (GITHUB_STARS); null when not a GitHub repository, not counted yet, or the paper is not featured',
      }),
    ),
    codeLinks: Type.Optional(
      Type.Array(
        Type.Object({
          url: str('the link, normalised (https, lower-case host, no .git, no /tree/main)'),
          kind: Type.Union(
            ['github', 'gitlab', 'code', 'huggingface', 'page'].map((k) => Type.Literal(k)),
            { description: 'github, gitlab, code (another code host), huggingface (a model, dataset or Space) or page' },
          ),
        }),
        { description: "code and project links found in the paper's abstract and arXiv comment, in the order written" },
      ),
    ),
    ai_summary: Type.Optional(
      nullableStr(
        'one sentence on what the paper does: written by the language model named in ai_summary_model (SUMMARY_URL, by a background job) while the abstract is the one it read; with ai_summary_model "extractive" it is the abstract\'s own sentence that states the contribution (cut at a word after 250 characters); null for an empty abstract',
      ),
    ),
    ai_keywords: Type.Optional(
      Type.Array(Type.String(), {
        description:
          "3-8 key phrases (1-3 words) from the paper's title and abstract, best first: scored by how rare their words are across arXiv papers, how often the paper uses them and whether the title does, with no phrase inside another",
      }),
    ),
    ai_summary_model: Type.Optional(
      nullableStr(
        'what wrote ai_summary: the language model\'s name (SUMMARY_MODEL), or "extractive" (chosen from the abstract, no model); null when there is none',
      ),
    ),
    submittedOnDailyAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'when it was submitted to the feed' })),
    submittedOnDailyBy: Type.Optional(userOrNull('who submitted it')),
  },
  { $id: 'Paper' },
);

export const DailyPaper = Type.Object(
  {
    paper: Type.Ref(Paper),
    publishedAt: str('when arXiv published the paper', 'date-time'),
    title: str("the paper's title (plain text; may contain LaTeX)"),
    summary: str('the abstract (plain text)'),
    numComments: Type.Integer({ description: 'comments in the discussion' }),
    submittedBy: userOrNull('who submitted it to the feed'),
    githubRepo: Type.Optional(nullableStr('the code repository (same as paper.githubRepo)')),
    projectPage: Type.Optional(nullableStr('the project page (same as paper.projectPage)')),
    githubStars: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'GitHub stars (same as paper.githubStars)' })),
    comment: Type.Optional(nullableStr("the submitter's note")),
    thumbnail: Type.Optional(
      Type.Union([str('absolute URL of a PNG', 'uri'), Type.Null()], {
        description:
          "page 1 of the paper's PDF drawn small (a PNG 240 pixels wide; THUMBNAILS=on); null while not drawn yet, when the PDF could not be drawn, or when thumbnails are off",
      }),
    ),
    feedDay: Type.Optional(
      Type.Union([str('the feed day it was featured on, YYYY-MM-DD', 'date'), Type.Null()], { description: 'null for a search hit never featured' }),
    ),
    mediaUrls: Type.Optional(Type.Array(Type.String(), { description: 'always empty here' })),
    isAuthorParticipating: Type.Optional(Type.Boolean({ description: 'always false here' })),
  },
  { $id: 'DailyPaper', description: 'A paper as featured on a feed day.' },
);

export const SubmitRequest = Type.Object(
  {
    arxivId: Type.String({ minLength: 1, maxLength: 300, description: 'arXiv id or arxiv.org URL', examples: ['2605.00467'] }),
    comment: Type.Optional(Type.String({ maxLength: 2000, description: 'a note from the submitter (at most 2,000 characters)' })),
    githubRepo: Type.Optional(Type.String({ maxLength: 500, description: 'code repository, http(s)' })),
    projectPage: Type.Optional(Type.String({ maxLength: 500, description: 'project page, http(s)' })),
  },
  { $id: 'SubmitRequest', additionalProperties: false },
);

const paperUpvotes = Type.Object({ id: Type.String(), upvotes: Type.Integer() }, { description: '{ id, upvotes }' });

export const Submission = Type.Object(
  {
    paper: paperUpvotes,
    feedDay: str('feed day it was featured on', 'date'),
    submittedOnDailyAt: str('submission time', 'date-time'),
    submittedBy: Type.Union([Type.Object({ user: Type.String() }), Type.Null()], { description: '{ user: username }' }),
    comment: nullableStr("the submitter's note"),
    githubRepo: nullableStr('code repository'),
    projectPage: nullableStr('project page'),
    numComments: Type.Integer({ description: 'comments so far' }),
  },
  { $id: 'Submission' },
);

export const Vote = Type.Object(
  {
    paper: paperUpvotes,
    upvoted: Type.Boolean({ description: "whether the token's member now upvotes it" }),
  },
  { $id: 'Vote' },
);

export const ErrorBody = Type.Object(
  {
    error: str('HTTP reason, e.g. Bad Request'),
    message: str('what was wrong, starting with the module'),
  },
  { $id: 'Error' },
);

/** Everything routes refer to by name, in the order the reference lists them. */
export const API_SCHEMAS: TSchema[] = [DailyPaper, Paper, Author, User, SubmitRequest, Submission, Vote, ErrorBody];

/** A response that carries an Error body. */
export const errorResponse = (description: string) => Type.Ref(ErrorBody, { description });
export const badRequest = errorResponse('A parameter is malformed; `message` says which and why.');

/** The `Link` header of a paged list. */
export const nextLinkHeader = { Link: { type: 'string', description: '`<URL>; rel="next"` when another page follows' } } as const;

/** The paper in a path: /api/papers/{arxivId}/...; old-style ids (hep-th/9901001) have a route of their own each. */
export const ArxivIdParams = Type.Object({
  arxivId: Type.String({ description: 'arXiv id without version, e.g. 2605.00467 (old-style ids such as hep-th/9901001 work too)', examples: ['2605.00467'] }),
});

/** Fields every documented route carries, so the reference can list and link it. */
export interface RouteDoc {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  security?: Array<Record<string, string[]>>;
}

/**
 * Route options for a route whose handler checks its input against the schema itself (with
 * TypeBox's checker, for messages that name the field as the tests and the CLI expect): Fastify
 * then only documents the schema and leaves the input as sent.
 */
export const checkedInHandler = { validatorCompiler: () => () => true } as const;

interface SchemaError {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

/**
 * Route option that words Fastify's validation errors as the API's other messages: the module,
 * then the field, e.g. `daily_papers: limit must be <= 100` (Fastify alone says
 * `querystring/limit must be <= 100`).
 */
export function apiSchemaErrors(module: string) {
  return {
    schemaErrorFormatter: (errors: SchemaError[], dataVar: string) => {
      const e = errors[0];
      const field = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : dataVar;
      const what = e.keyword === 'enum' ? `must be one of ${(e.params.allowedValues as string[]).join(', ')}` : (e.message ?? 'is not valid');
      return new Error(`${module}: ${field} ${what}`);
    },
  };
}
