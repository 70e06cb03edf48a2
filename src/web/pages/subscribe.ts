import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import { html } from '../../util/html.js';
import { field } from '../form-body.js';
import { csrfField } from '../session.js';
import { normaliseEmail } from '../../digest/subscriptions.js';
import { digestWeb, sendPage } from '../digest-web.js';

// GET/POST /subscribe: the "Get trending papers in your email inbox" box. Every valid request
// gets the same answer, so the page never tells whether an address is already subscribed.

/** The box for feed pages. */
export function subscribeBox(req: FastifyRequest, email = '') {
  return html`<form class="subscribe" action="/subscribe" method="post">
  <label for="subscribe-email">Get trending papers in your email inbox!</label>
  <input id="subscribe-email" type="email" name="email" required maxlength="254" placeholder="you@example.org" value="${email}" autocomplete="email">
  ${csrfField(req)}
  <button type="submit">Subscribe</button>
</form>`;
}

function formPage(req: FastifyRequest, reply: FastifyReply, status: number, email: string, note: string) {
  return sendPage(
    reply,
    status,
    'Subscribe',
    html`<section class="narrow"><h1>Email digest</h1>
<p class="muted">The period's trending papers, and papers matching your topics, daily or weekly. We send a confirmation link first; nothing else arrives until you use it.</p>
${note ? html`<p class="notice" role="alert">${note}</p>` : ''}
${subscribeBox(req, email)}</section>`,
  );
}

export function registerSubscribe(app: FastifyInstance, deps: AppDeps) {
  const d = digestWeb(deps);
  app.get('/subscribe', async (req, reply) => formPage(req, reply, 200, '', ''));
  app.post('/subscribe', async (req, reply) => {
    // The CSRF token was checked by the sessions' preHandler before we get here.
    const raw = field(req.body, 'email') ?? '';
    const email = normaliseEmail(raw);
    if (!email) return formPage(req, reply, 400, raw.slice(0, 254), 'That does not look like an email address.');
    const client = await d.perClient.hit(req.ip);
    const address = await d.perAddress.hit(email);
    if (!client.ok || !address.ok) {
      reply.header('Retry-After', String(Math.max(client.ok ? 0 : client.retryAfterSeconds, address.ok ? 0 : address.retryAfterSeconds)));
      return sendPage(
        reply,
        429,
        'Too many requests',
        html`<section class="narrow"><h1>Too many requests</h1><p>Please try again in a few minutes.</p></section>`,
      );
    }
    try {
      await d.service.requestSubscription(email);
    } catch (e) {
      // The mail server refused or is unreachable: say so rather than promise a message.
      req.log.error({ err: e }, 'digest: could not send the subscription email');
      return sendPage(
        reply,
        503,
        'Try again later',
        html`<section class="narrow"><h1>We could not send the email</h1><p>Please try again in a few minutes.</p></section>`,
      );
    }
    return sendPage(
      reply,
      200,
      'Check your inbox',
      html`<section class="narrow"><h1>Check your inbox</h1>
<p>If <strong>${email}</strong> can receive our digest, a message is on its way with a link to confirm (or, if this address is already subscribed, a link to manage it).</p>
<p class="muted">The link works for 48 hours. Nothing is sent before you confirm.</p></section>`,
    );
  });
}
