import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { html } from '../html.js';
import { digestWeb, sendPage } from '../digest-web.js';

// /api/digest/unsubscribe/:token: the List-Unsubscribe URL of every digest. RFC 8058 one-click:
// the mail provider POSTs `List-Unsubscribe=One-Click` (form-encoded or multipart) without
// cookies, so the signed token alone authorises it; it lives under /api/, where the sessions'
// CSRF check does not apply. A GET (a client opening the link in a browser) goes to the page at
// /digest/unsubscribe/:token, which only shows a button, because mail scanners fetch links.

export function registerDigestUnsubscribe(app: FastifyInstance, deps: AppDeps) {
  const d = digestWeb(deps);
  app.register(async (scope) => {
    // One-click POSTs may come as multipart; the body is not needed, so read and ignore it here only.
    if (!scope.hasContentTypeParser('multipart/form-data')) {
      scope.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, _body, done) => done(null, {}));
    }
    scope.get<{ Params: { token: string } }>('/digest/unsubscribe/:token', async (req, reply) => {
      const s = await d.fromLink('unsubscribe', req.params.token);
      if (!s) return sendPage(reply, 404, 'Link not valid', html`<section class="narrow"><h1>This link is not valid</h1></section>`);
      return sendPage(
        reply,
        200,
        'Unsubscribe',
        html`<section class="narrow"><h1>Unsubscribe</h1><p>Stop sending the Paperboy digest to <strong>${s.email}</strong>?</p>
<form method="post" action="/api/digest/unsubscribe/${req.params.token}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form></section>`,
      );
    });
    scope.get<{ Params: { token: string } }>('/api/digest/unsubscribe/:token', async (req, reply) => reply.redirect(`/digest/unsubscribe/${encodeURIComponent(req.params.token)}`, 303));
    scope.post<{ Params: { token: string } }>('/api/digest/unsubscribe/:token', async (req, reply) => {
      const s = await d.fromLink('unsubscribe', req.params.token);
      if (!s) return sendPage(reply, 404, 'Link not valid', html`<section class="narrow"><h1>This link is not valid</h1></section>`);
      await d.service.subscriptions.unsubscribe(s.id);
      return sendPage(reply, 200, 'Unsubscribed', html`<section class="narrow"><h1>Unsubscribed</h1><p><strong>${s.email}</strong> will receive no more digests.</p></section>`);
    });
  });
}
