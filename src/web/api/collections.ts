import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import type { User } from '../../community/accounts.js';
import { bearerUser } from './bearer.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { type Collection, type CollectionItem, CollectionError, MAX_NAME_CHARS, MAX_NOTE_CHARS } from '../../recommend/collections.js';
import { apiSchemaErrors, errorResponse, type RouteDoc } from './schemas.js';
import { collectionPath } from '../pages/collection-show.js';

// The collections API, with a personal API token: GET / POST /api/collections (the member's own; a
// new one answers { id, slug, url }), GET /api/collections/:id (the owner's, or a public one: notes
// only for the owner), POST /api/collections/:id/papers ({ arXivId, note? }) and DELETE
// /api/collections/:id/papers/:arxivId (the owner only). Another member's private collection answers
// 404, as a missing one does, so that its existence does not leak.

const CollectionJson = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    slug: Type.String(),
    public: Type.Boolean(),
    saved: Type.Boolean({ description: 'the default "Saved" collection, what the Save button fills' }),
    url: Type.String({ description: 'its page (and, with ?format=bibtex|ris|csl-json, its export)' }),
    owner: Type.String({ description: 'username' }),
    count: Type.Optional(Type.Integer({ description: 'papers in it' })),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { description: 'A collection' },
);

const ItemJson = Type.Object({
  arxivId: Type.String(),
  title: Type.String(),
  authors: Type.Array(Type.String()),
  version: Type.Integer({ description: 'the latest arXiv version here' }),
  versionAdded: Type.Integer({ description: 'its version when added' }),
  newVersion: Type.Boolean({ description: 'arXiv has a newer version than when it was added' }),
  note: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "the owner's private note (only to the owner)" })),
  read: Type.Boolean(),
  addedAt: Type.String({ format: 'date-time' }),
});

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,12}$', description: 'collection id' }) });
const PaperParams = Type.Object({
  id: IdParams.properties.id,
  arxivId: Type.String({ maxLength: 60, description: 'arXiv id without version (an old-style id with its slash as %2F)' }),
});
const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: MAX_NAME_CHARS, description: 'the name; its slug is made from it' }),
    public: Type.Optional(Type.Boolean({ description: 'visible to anyone at its URL (default false: private)' })),
  },
  { additionalProperties: false },
);
const AddBody = Type.Object(
  {
    arxivId: Type.String({ minLength: 1, maxLength: 300, description: 'arXiv id or arxiv.org URL' }),
    note: Type.Optional(Type.String({ maxLength: MAX_NOTE_CHARS, description: 'a private note (replaces the one it had)' })),
  },
  { additionalProperties: false },
);

const security = [{ bearer: [] }];
const common = { 401: errorResponse('No valid API token'), 400: errorResponse('Bad input; `message` says which and why') };

const listSchema = {
  operationId: 'listCollections',
  tags: ['collections'],
  summary: 'Your collections ("Saved" first)',
  security,
  response: { 200: Type.Array(CollectionJson, { description: 'Your collections' }), 401: common[401] },
} satisfies RouteDoc & Record<string, unknown>;

const createSchema = {
  operationId: 'createCollection',
  tags: ['collections'],
  summary: 'Make a collection (private unless public: true)',
  security,
  body: CreateBody,
  response: { 200: Type.Object({ id: Type.Integer(), slug: Type.String(), url: Type.String() }, { description: '`{ id, slug, url }`' }), ...common },
} satisfies RouteDoc & Record<string, unknown>;

const getSchema = {
  operationId: 'getCollection',
  tags: ['collections'],
  summary: 'A collection of yours, or a public one, with its papers in order',
  security,
  params: IdParams,
  response: {
    200: Type.Object({ ...CollectionJson.properties, papers: Type.Array(ItemJson) }, { description: 'The collection and its papers in order' }),
    ...common,
    404: errorResponse('No such collection (or private)'),
  },
} satisfies RouteDoc & Record<string, unknown>;

const addSchema = {
  operationId: 'addToCollection',
  tags: ['collections'],
  summary: 'Add a paper to your collection (on top; again: only the note changes)',
  security,
  params: IdParams,
  body: AddBody,
  response: {
    200: Type.Object(
      { collectionId: Type.Integer(), arxivId: Type.String(), added: Type.Boolean({ description: 'false: it was there already' }) },
      { description: '`{ collectionId, arxivId, added }`' },
    ),
    ...common,
    404: errorResponse('No such collection of yours, or an unknown paper'),
    409: errorResponse('The collection is full'),
  },
} satisfies RouteDoc & Record<string, unknown>;

const removeSchema = {
  operationId: 'removeFromCollection',
  tags: ['collections'],
  summary: 'Take a paper out of your collection (idempotent)',
  security,
  params: PaperParams,
  response: {
    200: Type.Object(
      { collectionId: Type.Integer(), arxivId: Type.String(), removed: Type.Boolean({ description: 'false: it was not there' }) },
      { description: '`{ collectionId, arxivId, removed }`' },
    ),
    ...common,
    404: errorResponse('No such collection of yours'),
  },
} satisfies RouteDoc & Record<string, unknown>;

export function registerApiCollections(app: FastifyInstance, deps: AppDeps) {
  const { community, recommend, config } = deps;
  const store = recommend.collections;
  const base = config.baseUrl.replace(/\/+$/, '');
  const urlOf = (owner: string, c: Collection) => `${base}${collectionPath(owner, c.slug)}`;
  const present = (owner: string, c: Collection, count?: number) => ({
    id: c.id,
    name: c.name,
    slug: c.slug,
    public: c.public,
    saved: c.saved,
    url: urlOf(owner, c),
    owner,
    ...(count === undefined ? {} : { count }),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  });
  const presentItem = (it: CollectionItem, own: boolean) => ({
    arxivId: it.paper.id,
    title: it.paper.title,
    authors: it.paper.authors,
    version: it.paper.version,
    versionAdded: it.versionAdded,
    newVersion: it.paper.version > it.versionAdded,
    ...(own ? { note: it.note } : {}),
    read: it.readAt !== null,
    addedAt: it.addedAt,
  });
  const failed = (reply: FastifyReply, e: unknown) => {
    if (!(e instanceof CollectionError)) throw e;
    const error = e.status === 404 ? 'Not Found' : e.status === 409 ? 'Conflict' : 'Bad Request';
    return reply.code(e.status).send({ error, message: e.message });
  };
  const notFound = (reply: FastifyReply) => reply.code(404).send({ error: 'Not Found', message: 'collections: no such collection (or it is private)' });
  /** The collection if this member may see it (own, or public), with its owner. */
  const visible = async (user: User, id: string): Promise<{ c: Collection; owner: User } | null> => {
    const c = await store.get(Number(id));
    if (!c || (!c.public && c.userId !== user.id)) return null;
    const owner = c.userId === user.id ? user : await community.accounts.getUser(c.userId);
    return owner ? { c, owner } : null;
  };
  const opts = apiSchemaErrors('collections');

  app.get('/api/collections', { schema: listSchema, ...opts }, async (req, reply) => {
    const user = await bearerUser(req, reply, community);
    if (!user) return reply;
    return (await store.mine(user.id)).map((c) => present(user.username, c, c.count));
  });

  app.post<{ Body: { name: string; public?: boolean } }>('/api/collections', { schema: createSchema, ...opts }, async (req, reply) => {
    const user = await bearerUser(req, reply, community);
    if (!user) return reply;
    try {
      const c = await store.create(user.id, { name: req.body.name, public: req.body.public === true });
      return { id: c.id, slug: c.slug, url: urlOf(user.username, c) };
    } catch (e) {
      return failed(reply, e);
    }
  });

  app.get<{ Params: { id: string } }>('/api/collections/:id', { schema: getSchema, ...opts }, async (req, reply) => {
    const user = await bearerUser(req, reply, community);
    if (!user) return reply;
    const found = await visible(user, req.params.id);
    if (!found) return notFound(reply);
    const own = found.c.userId === user.id;
    const items = await store.items(found.c);
    return { ...present(found.owner.username, found.c, items.length), papers: items.map((it) => presentItem(it, own)) };
  });

  const owned = async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const user = await bearerUser(req, reply, community);
    if (!user) return null;
    const c = await store.get(Number(req.params.id));
    if (!c || c.userId !== user.id) {
      notFound(reply);
      return null;
    }
    return c;
  };

  app.post<{ Params: { id: string }; Body: { arxivId: string; note?: string } }>(
    '/api/collections/:id/papers',
    { schema: addSchema, ...opts },
    async (req, reply) => {
      const c = await owned(req, reply);
      if (!c) return reply;
      const ref = parseArxivId(req.body.arxivId);
      if (!ref)
        return reply.code(400).send({ error: 'Bad Request', message: `collections: arxivId "${req.body.arxivId.slice(0, 60)}" is not an arXiv id or URL` });
      try {
        return { collectionId: c.id, arxivId: ref.id, added: await store.add(c, ref.id, req.body.note) };
      } catch (e) {
        return failed(reply, e);
      }
    },
  );

  app.delete<{ Params: { id: string; arxivId: string } }>('/api/collections/:id/papers/:arxivId', { schema: removeSchema, ...opts }, async (req, reply) => {
    const c = await owned(req, reply);
    if (!c) return reply;
    const ref = parseArxivId(req.params.arxivId);
    if (!ref) return reply.code(400).send({ error: 'Bad Request', message: `collections: "${req.params.arxivId.slice(0, 60)}" is not an arXiv id` });
    return { collectionId: c.id, arxivId: ref.id, removed: await store.remove(c, ref.id) };
  });
}
