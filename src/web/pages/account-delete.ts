import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import { deleteAccount } from '../../community/account-delete.js';
import { html } from '../../util/html.js';
import { field } from '../form-body.js';
import { csrfField, endSession, page, requireUser, SESSION_COOKIE } from '../session.js';

// GET /account/delete asks the signed-in member to type their username; POST /account/delete (with
// the CSRF token) deletes the account and all its private data (src/community/account-delete.ts),
// forgets their For-you model and signs them out.

function confirmPage(req: FastifyRequest, reply: FastifyReply, username: string, problem?: string) {
  return reply
    .code(problem ? 400 : 200)
    .type('text/html; charset=utf-8')
    .send(
      page(req, {
        title: 'Delete your account · Paperboy',
        body: html`<section class="narrow">
<h1>Delete your account</h1>
<p>This deletes your account at once and for good: your saves, "not interested" papers, imports, collections and notes, follows, upvotes, comments, API tokens, sessions, and the digest subscription of your address. Papers you submitted stay on the feed without your name. <a href="/account/export" download>Download your data (JSON)</a> first if you want to keep it.</p>
${problem ? html`<p class="notice error" role="alert">${problem}</p>` : ''}
<form class="stack" method="post" action="/account/delete">
  ${csrfField(req)}
  <label for="confirm-username">Type your username, <strong>${username}</strong>, to confirm</label>
  <input id="confirm-username" name="username" autocomplete="off" required maxlength="100">
  <button type="submit" class="danger">Delete my account</button>
</form>
<p><a href="/u/${username}">Keep my account</a></p>
</section>`,
      }),
    );
}

export function registerAccountDelete(app: FastifyInstance, deps: AppDeps) {
  app.get('/account/delete', async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    return confirmPage(req, reply, user.username);
  });

  app.post<{ Body: unknown }>('/account/delete', async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const typed = (field(req.body, 'username') ?? '').trim();
    if (typed !== user.username)
      return confirmPage(
        req,
        reply,
        user.username,
        typed ? `"${typed.slice(0, 60)}" is not your username: nothing was deleted.` : 'Type your username to confirm.',
      );
    await deleteAccount(deps.database, user.id);
    deps.recommend.forget(user.id);
    if (req.cookies[SESSION_COOKIE]) endSession(req, reply);
    req.user = null;
    return reply.type('text/html; charset=utf-8').send(
      page(req, {
        title: 'Account deleted · Paperboy',
        body: html`<section class="narrow"><h1>Your account is deleted</h1><p>Everything Paperboy kept of ${user.username} is gone, and you are signed out.</p><p><a href="/">Back to the papers</a></p></section>`,
      }),
    );
  });
}
