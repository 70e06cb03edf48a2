import type { FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../util/html.js';
import { csrfField } from './session.js';

// Pieces of community markup that the feed pages reuse (the upvote box on every card).

/** A POST target under a paper; old-style ids keep their slash encoded as one path segment. */
export function paperAction(id: string, action: string): string {
  return `/papers/${encodeURIComponent(id)}/${action}`;
}

/**
 * The upvote box: a real form (works without JavaScript), enhanced by /static/community.js to
 * vote without a reload. `back` is where the form returns to.
 */
export function upvoteBox(req: FastifyRequest, o: { paperId: string; upvotes: number; voted: boolean; back: string }): SafeHtml {
  const action = o.voted ? 'unvote' : 'upvote';
  return html`<form class="votes${o.voted ? ' voted' : ''}" method="post" action="${paperAction(o.paperId, action)}" data-upvote data-paper-id="${o.paperId}">
  ${csrfField(req)}<input type="hidden" name="back" value="${o.back}">
  <button type="submit" aria-pressed="${o.voted ? 'true' : 'false'}" aria-label="${o.voted ? 'Remove your upvote' : 'Upvote'}" title="${o.voted ? 'Remove your upvote' : 'Upvote'}">▲</button>
  <span class="count" aria-label="upvotes">${o.upvotes}</span>
</form>`;
}

/**
 * Follow / Following: a real form (works without JavaScript, comes back to `back`), toggled in
 * place by /static/community.js. Signed out, a link to sign in that comes back here.
 */
export function followButton(req: FastifyRequest, o: { kind: string; value: string; label: string; following: boolean; back: string }): SafeHtml {
  if (!req.user) return html`<a class="follow button-like" href="/signin?next=${encodeURIComponent(o.back)}" title="Sign in to follow ${o.label}">Follow</a>`;
  return html`<form class="inline follow${o.following ? ' on' : ''}" method="post" action="${o.following ? '/follows/delete' : '/follows'}" data-follow>
  ${csrfField(req)}<input type="hidden" name="kind" value="${o.kind}"><input type="hidden" name="value" value="${o.value}"><input type="hidden" name="back" value="${o.back}">
  <button type="submit" class="secondary" aria-pressed="${o.following ? 'true' : 'false'}" title="${o.following ? `You follow ${o.label}; click to unfollow` : `Follow ${o.label}: its new papers on your following page and in your digest`}">${o.following ? 'Following ✓' : 'Follow'}</button>
</form>`;
}

/**
 * "Save" and "Not interested": private signals for the member's For-you ranking. Real forms (they
 * work without JavaScript and come back to `back`), enhanced by /static/community.js to toggle in
 * place; on /for-you a dismissed card leaves the list.
 */
export function signalButtons(
  req: FastifyRequest,
  o: { paperId: string; saved: boolean; dismissed: boolean; back: string; collections?: CollectionChoice[] },
): SafeHtml {
  const form = (kind: 'save' | 'dismiss', on: boolean) => {
    const action = kind === 'save' ? (on ? 'unsave' : 'save') : on ? 'undismiss' : 'dismiss';
    const label = kind === 'save' ? (on ? 'Saved' : 'Save') : on ? 'Not interested ✓' : 'Not interested';
    const title =
      kind === 'save'
        ? on
          ? 'In your library (private); click to take it out'
          : 'Save to your library (private; shapes your For-you ranking)'
        : on
          ? 'Hidden from your For-you list; click to take it back'
          : 'Fewer papers like this in your For-you list (private)';
    return html`<form class="inline signal${on ? ' on' : ''}" method="post" action="${paperAction(o.paperId, action)}" data-signal="${kind}" data-paper-id="${o.paperId}">
  ${csrfField(req)}<input type="hidden" name="back" value="${o.back}">
  <button type="submit" class="link" aria-pressed="${on ? 'true' : 'false'}" title="${title}">${label}</button>
</form>`;
  };
  return html`<span class="signals">${form('save', o.saved)}${form('dismiss', o.dismissed)}${o.collections ? collectBox(req, { paperId: o.paperId, collections: o.collections, back: o.back }) : ''}</span>`;
}

/** A collection the member can add a paper to. */
export interface CollectionChoice {
  id: number;
  name: string;
}

/**
 * "Add to…": pick one of the member's collections, or name a new one. A real form (POST
 * /papers/:id/collect, back to `back`), enhanced by /static/community.js to add without a reload.
 */
export function collectBox(req: FastifyRequest, o: { paperId: string; collections: CollectionChoice[]; back: string }): SafeHtml {
  const id = `collect-${o.paperId.replace(/[^a-zA-Z0-9]/g, '-')}`;
  return html`<details class="collect"><summary>Add to…</summary>
<form class="collect-form" method="post" action="${paperAction(o.paperId, 'collect')}" data-collect data-paper-id="${o.paperId}">
  ${csrfField(req)}<input type="hidden" name="back" value="${o.back}">
  <label for="${id}-c">Collection</label>
  <select id="${id}-c" name="collection">${o.collections.map((c) => html`<option value="${c.id}">${c.name}</option>`)}<option value="new">New collection…</option></select>
  <label for="${id}-n">New collection's name</label>
  <input id="${id}-n" name="name" maxlength="100" placeholder="e.g. Reading group">
  <button type="submit">Add</button>
  <span class="collect-status" role="status"></span>
</form>
</details>`;
}
