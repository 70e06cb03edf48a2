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
