import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import { html } from '../../util/html.js';
import { backPath, csrfField, endSession, page, startSession, SESSION_COOKIE } from '../session.js';
import { LOGIN_LINK_MINUTES, normaliseEmail } from '../../community/accounts.js';
import { CommunityError } from '../../community/errors.js';

// GET/POST /signin: ask for a sign-in link by email. GET /signin/confirm?token=: a page with one
// button, so that mail scanners which open links do not spend the single-use token; the POST
// spends it and starts the session. POST /signout ends it.

export const signinSchema = {
  body: {
    type: 'object',
    required: ['email'],
    properties: { email: { type: 'string', maxLength: 254 }, next: { type: 'string', maxLength: 500 }, _csrf: { type: 'string' } },
  },
} as const;

export const confirmSchema = {
  body: {
    type: 'object',
    required: ['token'],
    properties: { token: { type: 'string', maxLength: 100 }, next: { type: 'string', maxLength: 500 }, _csrf: { type: 'string' } },
  },
} as const;

function signinForm(req: FastifyRequest, next: string, message?: { text: string; error?: boolean }, email = '') {
  return html`<section class="narrow">
<h1>Sign in</h1>
<p class="muted">No password: we email you a link that signs you in. It works once, for ${LOGIN_LINK_MINUTES} minutes.</p>
${message ? html`<p class="${message.error ? 'notice error' : 'notice'}" role="${message.error ? 'alert' : 'status'}">${message.text}</p>` : ''}
<form method="post" action="/signin" class="stack">
  ${csrfField(req)}
  <input type="hidden" name="next" value="${next}">
  <label for="email">Email address</label>
  <input id="email" name="email" type="email" required autocomplete="email" maxlength="254" value="${email}">
  <button type="submit">Email me a sign-in link</button>
</form>
</section>`;
}

export function registerSignin(app: FastifyInstance, deps: AppDeps) {
  const { community, mailer } = deps;
  const { config } = deps;

  app.get<{ Querystring: { next?: string } }>('/signin', async (req, reply) => {
    const next = backPath(req.query.next, '/');
    const already = req.user ? { text: `You are signed in as ${req.user.username}. Ask for a link to sign in with another address.` } : undefined;
    return reply.type('text/html; charset=utf-8').send(page(req, { title: 'Sign in · Paperboy', body: signinForm(req, next, already) }));
  });

  app.post<{ Body: { email: string; next?: string } }>('/signin', { schema: signinSchema }, async (req, reply) => {
    const next = backPath(req.body.next, '/');
    const send = (status: number, text: string, error = true) =>
      reply
        .code(status)
        .type('text/html; charset=utf-8')
        .send(page(req, { title: 'Sign in · Paperboy', body: signinForm(req, next, { text, error }, req.body.email) }));
    const email = normaliseEmail(req.body.email);
    if (!email) return send(400, 'That is not an email address.');
    for (const [limiter, key] of [
      [community.limits.signinPerClient, req.ip],
      [community.limits.signinPerEmail, email],
    ] as const) {
      const d = await limiter.hit(key);
      if (!d.ok) {
        reply.header('Retry-After', String(d.retryAfterSeconds));
        return send(429, `Too many sign-in requests; try again in ${Math.ceil(d.retryAfterSeconds / 60)} minute(s).`);
      }
    }
    // The same answer whether or not the address has an account, so the form does not reveal who
    // is a member; unknown addresses get no mail when sign-ups are closed. Nor may the time of the
    // answer reveal it: every address gets a token written (an unknown one's is never sent, and
    // cannot make an account), and with sign-ups closed a member's mail goes out after the answer.
    const known = await community.accounts.getByEmail(email);
    const { token } = await community.accounts.createLoginToken(email);
    const link = `${config.baseUrl}/signin/confirm?token=${encodeURIComponent(token)}${next !== '/' ? `&next=${encodeURIComponent(next)}` : ''}`;
    const mail = {
      to: email,
      subject: 'Your Paperboy sign-in link',
      text: `Hello,\n\nopen this link to sign in to Paperboy (${config.baseUrl}):\n\n${link}\n\nIt works once, for ${LOGIN_LINK_MINUTES} minutes. If you did not ask for it, ignore this message.\n`,
    };
    if (community.signupsOpen) {
      // Every address is mailed, so waiting tells nothing, and a failure can be said.
      try {
        await mailer.send(mail);
      } catch (e) {
        req.log.error({ err: e }, 'signin: could not send the sign-in mail');
        return send(503, 'We could not send the email just now; please try again in a few minutes.');
      }
    } else if (known) {
      // After the answer is on its way: composing the mail (and the outbox's file writes) is work too.
      setImmediate(() => mailer.send(mail).catch((e: unknown) => req.log.error({ err: e }, 'signin: could not send the sign-in mail')));
    }
    return send(200, `If ${email} can sign in here, a link is on its way. Check your inbox.`, false);
  });

  const confirmPage = (req: FastifyRequest, reply: FastifyReply, token: string, next: string, error?: string) =>
    reply
      .code(error ? 400 : 200)
      .type('text/html; charset=utf-8')
      .send(
        page(req, {
          title: 'Sign in · Paperboy',
          body: html`<section class="narrow"><h1>Sign in</h1>
${
  error
    ? html`<p class="notice error" role="alert">${error}</p><p><a href="/signin">Ask for a new link</a></p>`
    : html`<p>Press the button to finish signing in.</p>
<form method="post" action="/signin/confirm">${csrfField(req)}<input type="hidden" name="token" value="${token}"><input type="hidden" name="next" value="${next}"><button type="submit" id="confirm">Sign in to Paperboy</button></form>`
}
</section>`,
        }),
      );

  app.get<{ Querystring: { token?: string; next?: string } }>('/signin/confirm', async (req, reply) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    return confirmPage(req, reply, token, backPath(req.query.next, '/'), token ? undefined : 'This sign-in link is incomplete.');
  });

  app.post<{ Body: { token: string; next?: string } }>('/signin/confirm', { schema: confirmSchema }, async (req, reply) => {
    const next = backPath(req.body.next, '/');
    try {
      const user = await community.accounts.consumeLoginToken(req.body.token, { allowSignup: community.signupsOpen });
      // A fresh session at every sign-in, and the old one (if any) is ended.
      const old = req.cookies[SESSION_COOKIE];
      if (old) await community.accounts.deleteSession(old);
      const { token } = await community.accounts.createSession(user.id);
      startSession(req, reply, token);
      return reply.redirect(next, 303);
    } catch (e) {
      if (e instanceof CommunityError) return confirmPage(req, reply, '', next, e.userMessage.replace(/^./, (c) => c.toUpperCase()) + '.');
      throw e;
    }
  });

  app.post('/signout', async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await community.accounts.deleteSession(token);
    endSession(req, reply);
    return reply.redirect('/', 303);
  });
}
