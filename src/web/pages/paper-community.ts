import type { FastifyRequest } from 'fastify';
import type { Paper } from '../../papers/paper.js';
import type { Community } from '../../community/community.js';
import type { CommentNode } from '../../community/comments.js';
import type { Claim } from '../../community/claims.js';
import { isCurator, type User } from '../../community/accounts.js';
import { renderMarkdown } from '../../community/markdown.js';
import { bibtex } from '../../papers/citation.js';
import { html, safeUrl, type SafeHtml } from '../../util/html.js';
import { csrfField } from '../session.js';
import { paperAction, upvoteBox } from '../community-components.js';
import { authorLinks, authorPath, formatDate, paperPath } from '../components.js';
import { MAX_COMMENT_CHARS } from '../../community/comments.js';

// The community parts of the paper page: upvote box and submission, authors with claims,
// BibTeX, and the comment thread. Everything here renders and works without JavaScript.

export interface PaperCommunityView {
  /** beside the title */
  upvote: SafeHtml;
  /** under the links: who featured it, when, why */
  submission: SafeHtml;
  /** the author list with claim buttons */
  authors: SafeHtml;
  /** BibTeX and comments, after the abstract */
  sections: SafeHtml;
}

function commentForm(req: FastifyRequest, paperId: string, parentId: number | null): SafeHtml {
  const id = parentId === null ? 'comment-body' : `reply-body-${parentId}`;
  return html`<form method="post" action="${paperAction(paperId, 'comments')}" class="comment-form stack">
  ${csrfField(req)}${parentId === null ? '' : html`<input type="hidden" name="parent_id" value="${parentId}">`}
  <label for="${id}" class="${parentId === null ? '' : 'visually-hidden'}">${parentId === null ? 'Add a comment' : 'Reply'}</label>
  <textarea id="${id}" name="body" rows="${parentId === null ? 4 : 3}" required maxlength="${MAX_COMMENT_CHARS}"></textarea>
  <p class="muted small">*emphasis*, **strong**, \`code\`, [links](https://…); LaTeX stays as typed.</p>
  <button type="submit">${parentId === null ? 'Comment' : 'Reply'}</button>
</form>`;
}

function commentTree(req: FastifyRequest, nodes: CommentNode[], viewer: User | null): SafeHtml {
  return html`<ol class="comments">${nodes.map((c) => {
    const own = viewer?.id === c.author.id;
    const curator = isCurator(viewer);
    const body = c.deleted
      ? html`<p class="muted">[deleted]</p>`
      : c.hidden && !curator
        ? html`<p class="muted">[hidden by a curator]</p>`
        : html`<div class="comment-body${c.hidden ? ' is-hidden' : ''}">${renderMarkdown(c.body)}</div>`;
    return html`<li id="comment-${c.id}" class="comment">
  <p class="comment-meta"><a href="/u/${c.author.username}">${c.author.displayName ?? c.author.username}</a>
    · <a href="#comment-${c.id}"><time datetime="${c.createdAt}">${formatDate(c.createdAt)}</time></a>${c.updatedAt !== c.createdAt && !c.deleted ? ' · edited' : ''}${c.hidden ? ' · hidden' : ''}</p>
  ${body}
  ${
    viewer && !c.deleted
      ? html`<div class="comment-actions">
    ${
      own
        ? html`<a href="/comments/${c.id}/edit">Edit</a>
    <form class="inline" method="post" action="/comments/${c.id}/delete">${csrfField(req)}<button type="submit" class="link">Delete</button></form>`
        : ''
    }
    ${curator ? html`<form class="inline" method="post" action="/comments/${c.id}/${c.hidden ? 'unhide' : 'hide'}">${csrfField(req)}<button type="submit" class="link">${c.hidden ? 'Unhide' : 'Hide'}</button></form>` : ''}
    <details class="reply"><summary>Reply</summary>${commentForm(req, c.paperId, c.id)}</details>
  </div>`
      : ''
  }
  ${c.replies.length ? commentTree(req, c.replies, viewer) : ''}
</li>`;
  })}</ol>`;
}

function countComments(nodes: CommentNode[]): number {
  return nodes.reduce((n, c) => n + (c.deleted || c.hidden ? 0 : 1) + countComments(c.replies), 0);
}

function authorList(req: FastifyRequest, p: Paper, claims: Claim[], viewer: User | null): SafeHtml {
  const approved = new Map(claims.filter((c) => c.status === 'approved').map((c) => [c.authorIndex, c]));
  const mine = viewer ? claims.find((c) => c.user.id === viewer.id && c.status !== 'rejected') : undefined;
  const canClaim = viewer && !mine;
  // Visitors who are not signed in see the plain list, as on arXiv.
  if (!viewer && !approved.size) return html`<p class="authors" id="authors">${authorLinks(p.authors, Number.POSITIVE_INFINITY)}</p>`;
  return html`<ul class="author-list" id="authors">${p.authors.map((name, i) => {
    const claim = approved.get(i);
    return html`<li><a class="author" href="${authorPath(name)}">${name}</a>${claim ? html` <a href="/u/${claim.user.username}" title="claimed by ${claim.user.username}" aria-label="claimed by ${claim.user.username}">✓</a>` : ''}${
      mine && mine.authorIndex === i ? html` <span class="chip">${mine.status === 'pending' ? 'your claim is pending' : 'you'}</span>` : ''
    }${
      canClaim && !claim
        ? html` <form class="inline" method="post" action="${paperAction(p.id, 'claims')}">${csrfField(req)}<input type="hidden" name="author_index" value="${i}"><button type="submit" class="link" aria-label="Claim ${name} as me">claim</button></form>`
        : ''
    }</li>`;
  })}</ul>`;
}

export async function paperCommunity(req: FastifyRequest, p: Paper, community: Community): Promise<PaperCommunityView> {
  const viewer = req.user;
  const [submission, upvotes, voted, thread, claims] = await Promise.all([
    community.submissions.get(p.id),
    community.votes.count(p.id),
    viewer ? community.votes.hasVoted(viewer.id, p.id) : Promise.resolve(false),
    community.comments.thread(p.id),
    community.claims.forPaper(p.id),
  ]);
  const submitter = submission?.submittedBy ? await community.accounts.getUser(submission.submittedBy) : null;
  const entry = bibtex(p);
  const nComments = countComments(thread);
  return {
    upvote: upvoteBox(req, { paperId: p.id, upvotes, voted, back: paperPath(p.id) }),
    submission: submission
      ? html`<p class="submission muted">Featured on <a href="/papers/date/${submission.feedDay}">${submission.feedDay}</a>${
          submitter ? html` by <a href="/u/${submitter.username}">${submitter.username}</a>` : ''
        }${submission.hidden ? ' · unfeatured by a curator' : ''}${
          isCurator(viewer)
            ? html` <form class="inline" method="post" action="${paperAction(p.id, submission.hidden ? 'feature' : 'unfeature')}">${csrfField(req)}<button type="submit" class="link">${submission.hidden ? 'Feature again' : 'Unfeature'}</button></form>`
            : ''
        }</p>
${submission.comment ? html`<blockquote class="submitter-comment">${submission.comment}</blockquote>` : ''}
${safeUrl(submission.githubRepo) && !p.githubRepo ? html`<p><a href="${safeUrl(submission.githubRepo)}" rel="noopener nofollow">GitHub</a></p>` : ''}`
      : html`<p class="muted">Not featured yet. <a href="/submit">Submit it</a> to today's papers.</p>`,
    authors: authorList(req, p, claims, viewer),
    sections: html`<section class="bibtex" aria-labelledby="bibtex-h">
<h2 id="bibtex-h">Cite</h2>
<pre id="bibtex-entry">${entry}</pre>
<p><button type="button" class="secondary" data-copy="#bibtex-entry" hidden>Copy BibTeX</button> <a href="${paperPath(p.id)}/bibtex">BibTeX file</a></p>
</section>
<section class="discussion" aria-labelledby="comments-h">
<h2 id="comments-h">${nComments} ${nComments === 1 ? 'comment' : 'comments'}</h2>
${thread.length ? commentTree(req, thread, viewer) : ''}
${viewer ? commentForm(req, p.id, null) : html`<p><a href="/signin?next=${encodeURIComponent(paperPath(p.id))}">Sign in</a> to comment.</p>`}
</section>`,
  };
}
