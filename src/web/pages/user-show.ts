import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import { html } from '../../util/html.js';
import { csrfField, page, requireUser } from '../session.js';
import { paperCard, formatDate } from '../components.js';
import { listedThumbnails } from '../listed-thumbnails.js';
import { followButton } from '../community-components.js';
import { feedAnchors, feedLinks } from '../feeds/paper-feed.js';
import { CommunityError } from '../../community/errors.js';
import type { User } from '../../community/accounts.js';
import { digestWeb } from '../digest-web.js';
import { manageUrl } from '../../digest/send.js';
import { collectionPath } from './collection-show.js';

// GET /u/:username: a member's submitted, upvoted and claimed papers; on your own profile also
// your display name (POST /account/profile) and personal API tokens (POST /account/tokens creates one, shown once; POST
// /account/tokens/:id/revoke deletes one).

export const userShowSchema = {
  params: { type: 'object', required: ['username'], properties: { username: { type: 'string', maxLength: 40 } } },
} as const;

export const tokenCreateSchema = {
  body: { type: 'object', properties: { name: { type: 'string', maxLength: 60 }, _csrf: { type: 'string' } } },
} as const;

export const profileUpdateSchema = {
  body: { type: 'object', properties: { display_name: { type: 'string', maxLength: 60 }, _csrf: { type: 'string' } } },
} as const;

export const tokenRevokeSchema = {
  params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9]{1,12}$' } } },
} as const;

export function registerUserShow(app: FastifyInstance, deps: AppDeps) {
  const { community } = deps;
  const { papers } = deps;

  /** Collections: all of one's own (with a link to make more), the public ones to everyone else. */
  const collectionsSection = async (user: User, own: boolean) => {
    const shown = own ? await deps.recommend.collections.mine(user.id) : await deps.recommend.collections.publicOf(user.id);
    if (!shown.length) return '';
    return html`<h2 id="collections">Collections</h2>
<ul class="collection-list">${shown.map(
      (c) =>
        html`<li><a href="${collectionPath(user.username, c.slug)}">${c.name}</a>${own ? html` <span class="muted">${c.public ? 'public' : 'private'}</span>` : ''}</li>`,
    )}</ul>
${own ? html`<p><a href="/collections">Manage your collections →</a></p>` : ''}`;
  };

  /** Own profile: the digest this account's address gets (a signed manage link), or a way to ask for it. */
  const digestSection = async (req: FastifyRequest, user: User) => {
    const { service } = digestWeb(deps);
    const s = await service.subscriptions.getByEmail(user.email);
    if (s && (s.status === 'active' || s.status === 'paused')) {
      const url = manageUrl(service.settings.baseUrl, service.links.sign('manage', s.id, s.email));
      const what = s.status === 'paused' ? 'Your email digest is paused.' : `You get the ${s.frequency} digest at ${s.email}.`;
      return html`<h2 id="digest">Email digest</h2>
<p>${what} <a href="${url}" rel="noreferrer">Change topics, frequency or unsubscribe</a>.</p>`;
    }
    return html`<h2 id="digest">Email digest</h2>
<form method="post" action="/subscribe" class="inline-form">${csrfField(req)}<input type="hidden" name="email" value="${user.email}">
<label>Trending papers and your topics, daily or weekly, at ${user.email}.</label> <button type="submit">Subscribe</button></form>`;
  };

  const profile = async (req: FastifyRequest, user: User, newToken?: string) => {
    const [submitted, upvotedIds, claims] = await Promise.all([
      community.submissions.listBySubmitter(user.id, 30),
      community.votes.listUpvotedBy(user.id, 30),
      community.claims.forUser(user.id, 'approved'),
    ]);
    const [submittedPapers, upvotedPapers, claimedPapers] = await Promise.all([
      papers.getMany(submitted.map((s) => s.paperId)),
      papers.getMany(upvotedIds),
      papers.getMany(claims.map((c) => c.paperId)),
    ]);
    const own = req.user?.id === user.id;
    const thumbnails = await listedThumbnails(
      deps,
      [...submittedPapers, ...claimedPapers, ...upvotedPapers].map((p) => p.id),
    );
    const list = (items: typeof submittedPapers, empty: string) =>
      items.length ? html`<ol class="papers">${items.map((p) => paperCard(p, { thumbnail: thumbnails.get(p.id) }))}</ol>` : html`<p class="muted">${empty}</p>`;
    const tokens = own ? await community.accounts.listApiTokens(user.id) : [];
    const following = req.user && !own ? await deps.follows.isFollowing(req.user.id, 'member', user.username) : false;
    const home = `/u/${encodeURIComponent(user.username)}`;
    return html`<section class="profile">
<h1>${user.displayName ?? user.username}</h1>
<p class="muted">@${user.username}${user.role !== 'member' ? html` · <span class="chip">${user.role}</span>` : ''} · member since ${formatDate(user.createdAt)}</p>
<p class="actions">${own ? '' : followButton(req, { kind: 'member', value: user.username, label: user.username, following, back: home })} ${feedAnchors(`${home}/feed.xml`)}</p>
<h2 id="submitted">Submitted papers (${submittedPapers.length})</h2>
${list(submittedPapers, 'No submissions yet.')}
${submittedPapers.length ? html`<p><a href="/papers/trending?submitter=${encodeURIComponent(user.username)}">All of ${user.username}'s submissions in the feed →</a></p>` : ''}
<h2 id="claimed">Claimed papers (${claimedPapers.length})</h2>
${list(claimedPapers, 'No claimed papers yet.')}
<h2 id="upvoted">Upvoted papers (${upvotedPapers.length})</h2>
${list(upvotedPapers, 'No upvotes yet.')}
${await collectionsSection(user, own)}
${own ? await digestSection(req, user) : ''}
${
  own
    ? html`<h2 id="account">Display name</h2>
<form method="post" action="/account/profile" class="inline-form">${csrfField(req)}
<label for="display-name">Shown instead of your username</label> <input id="display-name" name="display_name" maxlength="60" value="${user.displayName ?? ''}"> <button type="submit">Save</button></form>
<h2 id="tokens">API tokens</h2>
<p class="muted">Use a token as <code>Authorization: Bearer …</code> with <code>POST /api/papers/submit</code> and <code>POST /api/papers/{arxivId}/upvote</code>.</p>
${newToken ? html`<p class="notice" role="status">Your new token (copy it now, it is not shown again): <code id="new-token">${newToken}</code></p>` : ''}
${
  tokens.length
    ? html`<ul class="tokens">${tokens.map(
        (t) => html`<li>${t.name} · created ${formatDate(t.createdAt)}${t.lastUsedAt ? html` · last used ${formatDate(t.lastUsedAt)}` : ''}
<form class="inline" method="post" action="/account/tokens/${t.id}/revoke">${csrfField(req)}<button type="submit" class="link">Revoke</button></form></li>`,
      )}</ul>`
    : ''
}
<form method="post" action="/account/tokens" class="inline-form">${csrfField(req)}
<label for="token-name">Token name</label> <input id="token-name" name="name" maxlength="60" placeholder="my script"> <button type="submit">Create token</button></form>
<h2 id="your-data">Your data</h2>
<p>Your saves, "not interested" papers, imports, private collections and notes, and For-you ranking are private: only you see them. <a href="/for-you">Your For-you papers</a> · <a href="/account/export" download>Download all your data (JSON)</a> · <a href="/account/delete">Delete my account</a></p>`
    : ''
}
</section>`;
  };

  app.get<{ Params: { username: string } }>('/u/:username', { schema: userShowSchema }, async (req, reply) => {
    const user = await community.accounts.getByUsername(req.params.username);
    if (!user) throw new CommunityError(404, `there is no member called ${req.params.username.slice(0, 40)}`);
    const body = await profile(req, user);
    return reply.type('text/html; charset=utf-8').send(
      page(req, {
        title: `${user.username} · Paperboy`,
        body,
        head: feedLinks(`/u/${encodeURIComponent(user.username)}/feed.xml`, `Submitted by ${user.username}`),
        scripts: ['community.js'],
      }),
    );
  });

  app.post<{ Body: { name?: string } }>('/account/tokens', { schema: tokenCreateSchema }, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const { token } = await community.accounts.createApiToken(user.id, req.body?.name ?? '');
    // Shown in this response only; never stored in clear, so a reload does not show it again.
    reply.header('Cache-Control', 'no-store');
    return reply.type('text/html; charset=utf-8').send(page(req, { title: `${user.username} · Paperboy`, body: await profile(req, user, token) }));
  });

  app.post<{ Body: { display_name?: string } }>('/account/profile', { schema: profileUpdateSchema }, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    await community.accounts.setDisplayName(user.id, req.body?.display_name ?? '');
    return reply.redirect(`/u/${user.username}`, 303);
  });

  app.post<{ Params: { id: string } }>('/account/tokens/:id/revoke', { schema: tokenRevokeSchema }, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    await community.accounts.revokeApiToken(user.id, Number(req.params.id));
    return reply.redirect(`/u/${user.username}#tokens`, 303);
  });
}
