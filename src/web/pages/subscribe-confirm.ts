import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { html } from '../../util/html.js';
import { csrfField } from '../session.js';
import { manageUrl } from '../../digest/send.js';
import { digestWeb, sendPage } from '../digest-web.js';

// /subscribe/confirm/:token: GET shows a button, POST confirms. Confirming on GET would let mail
// scanners that prefetch links subscribe people who never clicked.

export function registerSubscribeConfirm(app: FastifyInstance, deps: AppDeps) {
  const d = digestWeb(deps);
  app.get<{ Params: { token: string } }>('/subscribe/confirm/:token', async (req, reply) => {
    return sendPage(
      reply,
      200,
      'Confirm subscription',
      html`<section class="narrow"><h1>Confirm your subscription</h1><p>Press the button to start receiving the Paperboy digest.</p>
<form method="post" action="/subscribe/confirm/${req.params.token}">${csrfField(req)}<button type="submit">Confirm</button></form></section>`,
    );
  });
  app.post<{ Params: { token: string } }>('/subscribe/confirm/:token', async (req, reply) => {
    const s = await d.service.subscriptions.confirm(req.params.token);
    if (!s) {
      return sendPage(
        reply,
        410,
        'Link expired',
        html`<section class="narrow"><h1>This link is used or expired</h1><p>Confirmation links work once, for 48 hours. <a href="/subscribe">Subscribe again</a> to get a new one.</p></section>`,
      );
    }
    const manage = manageUrl('', d.service.links.sign('manage', s.id, s.email));
    return sendPage(
      reply,
      200,
      'Subscribed',
      html`<section class="narrow"><h1>You are subscribed</h1><p><strong>${s.email}</strong> will receive the trending papers every feed day.</p>
<p><a class="button" href="${manage}">Choose frequency and topics</a></p><p class="muted">Every digest carries this link too, and a one-click unsubscribe.</p></section>`,
    );
  });
}
