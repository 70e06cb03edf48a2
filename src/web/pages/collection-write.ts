import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import { parseArxivId } from '../../papers/arxiv-id.js';
import { type Collection, CollectionError } from '../../recommend/collections.js';
import { parseLibrary } from '../../recommend/library-parse.js';
import { html } from '../../util/html.js';
import { field } from '../form-body.js';
import { backPath, page, requireUser } from '../session.js';
import { paperPath } from '../components.js';
import { badRequestPage } from '../feed-page.js';
import { collectionNotFound, collectionParamsSchema, collectionPath, visibleCollection } from './collection-show.js';
import { voteSchema } from './paper-upvote.js';

// The collection forms; every one works without JavaScript. POST /collections makes one; POST
// /u/:username/c/:slug/edit changes one (action= note, read, unread, up, down, remove, settings,
// import, delete; only its owner: to anyone else it is not found); POST /papers/:arxivId/collect adds
// a paper to one of the member's collections or to a new one (JSON for /static/community.js).

/** Most characters an import form takes. */
const IMPORT_FORM_CHARS = 200_000;

function wantsJson(req: FastifyRequest): boolean {
  return String(req.headers.accept ?? '').includes('application/json');
}

function paperIdOf(raw: string | undefined): string {
  const ref = raw ? parseArxivId(raw) : null;
  if (!ref) throw new CollectionError(400, `"${String(raw ?? '').slice(0, 60)}" is not an arXiv id`);
  return ref.id;
}

export function registerCollectionWrite(app: FastifyInstance, deps: AppDeps) {
  const { recommend } = deps;
  const store = recommend.collections;

  app.post<{ Body: unknown }>('/collections', async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const c = await store.create(user.id, { name: field(req.body, 'name') ?? '', public: field(req.body, 'public') === '1' });
    return reply.redirect(collectionPath(user.username, c.slug), 303);
  });

  app.post<{ Params: { username: string; slug: string }; Body: unknown }>(
    '/u/:username/c/:slug/edit',
    { schema: collectionParamsSchema },
    async (req, reply) => {
      const user = requireUser(req, reply);
      if (!user) return reply;
      const found = await visibleCollection(deps, req.params.username, req.params.slug, user);
      if (!found || found.owner.id !== user.id) return collectionNotFound(reply);
      let c = found.c;
      const action = field(req.body, 'action');
      const back = () => reply.redirect(collectionPath(user.username, c.slug), 303);
      switch (action) {
        case 'note':
          await store.setNote(c, paperIdOf(field(req.body, 'paper')), field(req.body, 'note') ?? null);
          return back();
        case 'read':
        case 'unread':
          await store.setRead(c, paperIdOf(field(req.body, 'paper')), action === 'read');
          return back();
        case 'up':
        case 'down':
          await store.move(c, paperIdOf(field(req.body, 'paper')), action);
          return back();
        case 'remove':
          await store.remove(c, paperIdOf(field(req.body, 'paper')));
          return back();
        case 'settings':
          c = await store.update(c, { name: c.saved ? undefined : field(req.body, 'name'), public: field(req.body, 'public') === '1' });
          return back();
        case 'delete':
          await store.delete(c);
          return reply.redirect('/collections', 303);
        case 'import': {
          const text = field(req.body, 'library') ?? '';
          if (!text.trim() || text.length > IMPORT_FORM_CHARS)
            return badRequestPage(reply, `Paste BibTeX, RIS or arXiv ids (at most ${IMPORT_FORM_CHARS.toLocaleString('en-US')} characters).`);
          const { ids, problems } = await recommend.matchLibrary(parseLibrary(text));
          const added = await store.addMany(c, ids);
          const path = collectionPath(user.username, c.slug);
          return reply.type('text/html; charset=utf-8').send(
            page(req, {
              title: `Import into ${c.name} · Paperboy`,
              body: html`<section class="narrow import-result">
<h1>Import into ${c.name}</h1>
<p class="notice">Found ${ids.length} ${ids.length === 1 ? 'paper' : 'papers'}, ${added} new in this collection${problems.length ? html`; ${problems.length} not imported` : ''}.</p>
${problems.length ? html`<ul class="problems">${problems.map((p) => html`<li><strong>${p.entry}</strong> (line ${p.line}): ${p.reason}</li>`)}</ul>` : ''}
<p><a class="button" href="${path}">Back to ${c.name} →</a></p>
</section>`,
            }),
          );
        }
        default:
          return badRequestPage(reply, `collections: action must be one of note, read, unread, up, down, remove, settings, import, delete`);
      }
    },
  );

  app.post<{ Params: { arxivId: string }; Body: unknown }>('/papers/:arxivId/collect', { schema: voteSchema }, async (req, reply: FastifyReply) => {
    const ref = parseArxivId(req.params.arxivId);
    if (!ref) throw new CollectionError(404, `"${req.params.arxivId.slice(0, 60)}" is not an arXiv id`);
    const back = backPath(field(req.body, 'back'), paperPath(ref.id));
    const user = req.user;
    if (!user) {
      if (wantsJson(req))
        return reply
          .code(401)
          .send({ error: 'Unauthorized', message: 'collections: sign in to collect papers', signin: `/signin?next=${encodeURIComponent(back)}` });
      return reply.redirect(`/signin?next=${encodeURIComponent(back)}`, 303);
    }
    const which = field(req.body, 'collection') ?? '';
    const name = field(req.body, 'name')?.trim();
    let created = false;
    let c: Collection;
    if (which === 'new' || (!which && name)) {
      c = await store.create(user.id, { name: name ?? '' });
      created = true;
    } else {
      const id = /^\d{1,12}$/.test(which) ? Number(which) : NaN;
      const found = Number.isSafeInteger(id) ? await store.get(id) : null;
      if (!found || found.userId !== user.id) throw new CollectionError(404, 'no such collection of yours');
      c = found;
    }
    const added = await store.add(c, ref.id, field(req.body, 'note'));
    const url = collectionPath(user.username, c.slug);
    if (wantsJson(req)) return reply.send({ paperId: ref.id, added, created, collection: { id: c.id, name: c.name, slug: c.slug, url } });
    return reply.redirect(back, 303);
  });
}
