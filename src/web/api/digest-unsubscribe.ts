import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { html } from '../../util/html.js';
import { digestWeb, sendPage } from '../digest-web.js';
import type { RouteDoc } from './schemas.js';

// /api/digest/unsubscribe/:token: the List-Unsubscribe URL of every digest. RFC 8058 one-click:
// the mail provider POSTs `List-Unsubscribe=One-Click` (form-encoded or multipart) without
// cookies, so the signed token alone authorises it; it lives under /api/, where the sessions'
// CSRF check does not apply. A GET (a client opening the link in a browser) goes to the page at
// /digest/unsubscribe/:token, which only shows a button, because mail scanners fetch links.

const params = Type.Object({ token: Type.String({ description: 'the signed token of the List-Unsubscribe link in a digest email' }) });
const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });

export const unsubscribeLinkSchema = {
  operationId: 'openUnsubscribeLink',
  tags: ['digest'],
  summary: 'Open the unsubscribe link of a digest in a browser',
  description: 'Sends the browser on to the page with the Unsubscribe button: mail scanners fetch links, so a GET never unsubscribes.',
  params,
  response: { 303: { type: 'null', description: 'To /digest/unsubscribe/{token}', headers: { Location: { type: 'string', description: 'the page' } } } },
} satisfies RouteDoc & Record<string, unknown>;

export const unsubscribeOneClickSchema = {
  operationId: 'unsubscribeOneClick',
  tags: ['digest'],
  summary: 'Unsubscribe from the digest in one click (RFC 8058)',
  description:
    'What a mail provider POSTs for the List-Unsubscribe header: `List-Unsubscribe=One-Click`, form-encoded or multipart (the body is not read). The signed token alone authorises it, so it needs no cookie and no CSRF token.',
  params,
  response: { 200: htmlPage('Unsubscribed (an HTML page)'), 404: htmlPage('The link is not valid (an HTML page)') },
} satisfies RouteDoc & Record<string, unknown>;

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
    scope.get<{ Params: { token: string } }>('/api/digest/unsubscribe/:token', { schema: unsubscribeLinkSchema }, async (req, reply) =>
      reply.redirect(`/digest/unsubscribe/${encodeURIComponent(req.params.token)}`, 303),
    );
    scope.post<{ Params: { token: string } }>('/api/digest/unsubscribe/:token', { schema: unsubscribeOneClickSchema }, async (req, reply) => {
      const s = await d.fromLink('unsubscribe', req.params.token);
      if (!s) return sendPage(reply, 404, 'Link not valid', html`<section class="narrow"><h1>This link is not valid</h1></section>`);
      await d.service.subscriptions.unsubscribe(s.id);
      return sendPage(
        reply,
        200,
        'Unsubscribed',
        html`<section class="narrow"><h1>Unsubscribed</h1><p><strong>${s.email}</strong> will receive no more digests.</p></section>`,
      );
    });
  });
}
