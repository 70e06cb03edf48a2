import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import type { User } from '../../community/accounts.js';
import type { Collection, CollectionItem } from '../../recommend/collections.js';
import { MAX_NOTE_CHARS } from '../../recommend/collections.js';
import { EXPORT_FORMATS, EXPORT_LABELS } from '../../papers/citation.js';
import { html, type SafeHtml } from '../../util/html.js';
import { errorPage } from '../error-page.js';
import { badRequestPage } from '../feed-page.js';
import { paperCard, formatDate } from '../components.js';
import type { Thumbnail } from '../../ingest/thumbnails.js';
import { listedThumbnails } from '../listed-thumbnails.js';
import { csrfField, page } from '../session.js';
import { exportFormatOf, exportHref, sendExport } from '../exports.js';
import { feedAnchors, feedLinks, sendPaperFeed } from '../feeds/paper-feed.js';

// GET /u/:username/c/:slug: a collection. Its owner sees every one of theirs with their notes and the
// controls (note, read, up/down, remove, rename, public or private, import, delete); anyone sees a
// public one without the notes; a private one is "not found" to everyone else, as a missing one is, so
// that its existence does not leak. `?format=bibtex|ris|csl-json` exports it whole. GET /collections:
// the member's collections and a form for a new one; GET /saved: their "Saved" collection.

export const collectionParamsSchema = {
  params: {
    type: 'object',
    required: ['username', 'slug'],
    properties: { username: { type: 'string', maxLength: 40 }, slug: { type: 'string', maxLength: 80 } },
  },
} as const;

export function collectionPath(username: string, slug: string): string {
  return `/u/${encodeURIComponent(username)}/c/${encodeURIComponent(slug)}`;
}

/** The collection at /u/:username/c/:slug if this viewer may see it, with its owner; else null (a 404). */
export async function visibleCollection(deps: AppDeps, username: string, slug: string, viewer: User | null): Promise<{ owner: User; c: Collection } | null> {
  const owner = await deps.community.accounts.getByUsername(username);
  if (!owner) return null;
  const c = await deps.recommend.collections.bySlug(owner.id, slug);
  if (!c || (!c.public && viewer?.id !== owner.id)) return null;
  return { owner, c };
}

export function collectionNotFound(reply: FastifyReply) {
  return reply
    .code(404)
    .type('text/html; charset=utf-8')
    .send(errorPage(404, 'Collection not found', 'There is no collection at this address, or it is private.'));
}

function itemControls(req: FastifyRequest, action: string, it: CollectionItem, i: number, n: number): SafeHtml {
  const id = it.paper.id;
  const button = (name: string, label: string, title: string, disabled = false) =>
    html`<form class="inline" method="post" action="${action}">${csrfField(req)}<input type="hidden" name="paper" value="${id}"><input type="hidden" name="action" value="${name}"><button type="submit" class="link" title="${title}"${disabled ? ' disabled' : ''}>${label}</button></form>`;
  const noteId = `note-${id.replace(/[^a-zA-Z0-9]/g, '-')}`;
  return html`<div class="item-controls">
  ${it.readAt ? button('unread', 'Read ✓', 'Marked read; click to mark unread') : button('read', 'Mark read', 'Mark as read')}
  ${button('up', '↑ Up', 'Move up', i === 0)}
  ${button('down', '↓ Down', 'Move down', i === n - 1)}
  ${button('remove', 'Remove', 'Take it out of this collection')}
</div>
<form class="note-form" method="post" action="${action}">
  ${csrfField(req)}<input type="hidden" name="paper" value="${id}"><input type="hidden" name="action" value="note">
  <label for="${noteId}">Your note (private)</label>
  <textarea id="${noteId}" name="note" rows="2" maxlength="${MAX_NOTE_CHARS}">${it.note ?? ''}</textarea>
  <button type="submit" class="secondary">Save note</button>
</form>`;
}

function renderCollection(req: FastifyRequest, owner: User, c: Collection, items: CollectionItem[], thumbnails: ReadonlyMap<string, Thumbnail>): SafeHtml {
  const own = req.user?.id === owner.id;
  const path = collectionPath(owner.username, c.slug);
  const action = `${path}/edit`;
  const cards = items.map((it, i) => {
    const newer = it.paper.version > it.versionAdded;
    return paperCard(it.paper, {
      thumbnail: thumbnails.get(it.paper.id),
      note: html`${newer ? html`<p class="new-version"><span class="chip updated">New version</span> v${it.paper.version} on arXiv; v${it.versionAdded} when added</p>` : ''}${
        own && it.note ? html`<p class="paper-note"><strong>Note:</strong> ${it.note}</p>` : ''
      }`,
      meta: html`${it.readAt ? html`<span class="chip read">read</span>` : ''}<span class="muted small">added ${formatDate(it.addedAt)}</span>`,
      after: own ? itemControls(req, action, it, i, items.length) : undefined,
    });
  });
  const exports = html`<p class="exports">Export: ${EXPORT_FORMATS.map(
    (f, i) => html`${i ? ' · ' : ''}<a href="${exportHref(path, f)}" download>${EXPORT_LABELS[f]}</a>`,
  )}${c.public ? html` · ${feedAnchors(`${path}/feed.xml`)}` : ''}</p>`;
  const settings = own
    ? html`<details class="collection-settings"><summary>Settings and import</summary>
<form class="stack" method="post" action="${action}">
  ${csrfField(req)}<input type="hidden" name="action" value="settings">
  <label for="c-name">Name</label>
  <input id="c-name" name="name" value="${c.name}" maxlength="100" required${c.saved ? ' readonly' : ''}>
  <label class="check"><input type="checkbox" name="public" value="1"${c.public ? ' checked' : ''}> Public: anyone with the link sees the papers (never your notes)</label>
  <button type="submit">Save settings</button>
</form>
<form class="stack" method="post" action="${action}">
  ${csrfField(req)}<input type="hidden" name="action" value="import">
  <label for="c-import">Import BibTeX or RIS (or arXiv ids): entries are matched by arXiv id, DOI or exact title</label>
  <textarea id="c-import" name="library" rows="5" maxlength="200000" required></textarea>
  <button type="submit">Import</button>
</form>
${
  c.saved
    ? ''
    : html`<form class="inline" method="post" action="${action}">${csrfField(req)}<input type="hidden" name="action" value="delete"><button type="submit" class="secondary danger">Delete this collection</button></form>`
}
</details>`
    : '';
  return html`<div class="page-head collection-head">
  <div><h1>${c.name}</h1>
  <p class="muted">${own ? html`Your collection` : html`A collection by <a href="/u/${owner.username}">${owner.displayName ?? owner.username}</a>`} · ${
    c.public ? 'public' : 'private'
  } · ${items.length} ${items.length === 1 ? 'paper' : 'papers'}${own ? html` · <a href="/collections">All your collections</a>` : ''}</p></div>
</div>
${exports}
${settings}
${items.length ? html`<ol class="papers collection">${cards}</ol>` : html`<p class="notice">No papers here yet${own ? html`: use <strong>Add to…</strong> on any paper, or <strong>Save</strong>` : ''}.</p>`}`;
}

export function registerCollectionShow(app: FastifyInstance, deps: AppDeps) {
  const { recommend } = deps;
  app.get<{ Params: { username: string; slug: string }; Querystring: Record<string, unknown> }>(
    '/u/:username/c/:slug',
    { schema: collectionParamsSchema },
    async (req, reply) => {
      const format = exportFormatOf(req.query);
      if (format && typeof format === 'object') return badRequestPage(reply, format.error);
      const found = await visibleCollection(deps, req.params.username, req.params.slug, req.user);
      if (!found) return collectionNotFound(reply);
      const { owner, c } = found;
      const items = await recommend.collections.items(c);
      if (format)
        return sendExport(
          reply,
          items.map((i) => i.paper),
          format,
          `${owner.username}-${c.slug}`,
        );
      return reply.type('text/html; charset=utf-8').send(
        page(req, {
          title: `${c.name} · ${owner.username} · Paperboy`,
          body: renderCollection(
            req,
            owner,
            c,
            items,
            await listedThumbnails(
              deps,
              items.map((i) => i.paper.id),
            ),
          ),
          scripts: ['community.js'],
          // A public collection's page may be indexed; a private one is never shown to anyone else anyway.
          head: c.public ? feedLinks(`${collectionPath(owner.username, c.slug)}/feed.xml`, c.name) : html`<meta name="robots" content="noindex">`,
        }),
      );
    },
  );

  // A public collection's feeds (Atom and JSON Feed 1.1), newest added first. Feed readers send no
  // session, so a private collection has none, not even for its owner: it is "not found", as on the page.
  for (const [format, ext] of [
    ['atom', 'xml'],
    ['json', 'json'],
  ] as const) {
    app.get<{ Params: { username: string; slug: string } }>(`/u/:username/c/:slug/feed.${ext}`, { schema: collectionParamsSchema }, async (req, reply) => {
      const found = await visibleCollection(deps, req.params.username, req.params.slug, null);
      if (!found) return reply.code(404).type('text/plain; charset=utf-8').send('feed: there is no public collection at this address\n');
      const { owner, c } = found;
      const items = await recommend.collections.items(c);
      const path = collectionPath(owner.username, c.slug);
      return sendPaperFeed(req, reply, deps.config.baseUrl, format, {
        path: `${path}/feed.${ext}`,
        htmlPath: path,
        title: `Paperboy · ${c.name} (a collection by ${owner.displayName ?? owner.username})`,
        items: items
          .slice()
          .sort((a, b) => (a.addedAt < b.addedAt ? 1 : a.addedAt > b.addedAt ? -1 : 0))
          .slice(0, 100)
          .map((i) => ({ paper: i.paper, at: i.addedAt })),
      });
    });
  }

  app.get('/collections', async (req, reply) => {
    const user = req.user;
    if (!user) return reply.redirect('/signin?next=%2Fcollections', 303);
    const mine = await recommend.collections.mine(user.id);
    const body = html`<div class="page-head"><div><h1>Your collections</h1><p class="muted">Private unless you make one public. "Saved" is what the <strong>Save</strong> button fills.</p></div></div>
<ul class="collection-list">${mine.map(
      (c) =>
        html`<li><a href="${collectionPath(user.username, c.slug)}">${c.name}</a> <span class="muted">${c.count} ${c.count === 1 ? 'paper' : 'papers'} · ${c.public ? 'public' : 'private'}</span></li>`,
    )}</ul>
<form class="stack narrow new-collection" method="post" action="/collections">
  ${csrfField(req)}
  <h2>New collection</h2>
  <label for="new-name">Name</label>
  <input id="new-name" name="name" maxlength="100" required>
  <label class="check"><input type="checkbox" name="public" value="1"> Public</label>
  <button type="submit">Create</button>
</form>`;
    return reply.type('text/html; charset=utf-8').send(page(req, { title: 'Your collections · Paperboy', body }));
  });

  app.get('/saved', async (req, reply) => {
    const user = req.user;
    if (!user) return reply.redirect('/signin?next=%2Fsaved', 303);
    const saved = await recommend.collections.savedOf(user.id);
    return reply.redirect(collectionPath(user.username, saved.slug), 303);
  });
}
