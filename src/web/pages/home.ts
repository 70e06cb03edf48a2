import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import { html } from '../html.js';
import { layout } from '../layout.js';
import { paperCard } from '../components.js';
import { subscribeBox } from './subscribe.js';
import { digestWeb } from '../digest-web.js';

const PAGE_SIZE = 30;

/** The newest papers in the store, newest first, with a keyset "older" link. */
export function registerHome(app: FastifyInstance, deps: AppDeps) {
  const { papers } = deps;
  digestWeb(app, deps);
  app.get<{ Querystring: { before?: string; category?: string } }>('/', async (req, reply) => {
    const category = typeof req.query.category === 'string' && /^[a-zA-Z.-]{1,40}$/.test(req.query.category) ? req.query.category : undefined;
    let before: { publishedAt: string; id: string } | undefined;
    if (typeof req.query.before === 'string') {
      const [publishedAt, id] = req.query.before.split('_');
      if (!publishedAt || !id || Number.isNaN(Date.parse(publishedAt))) return reply.code(400).type('text/html; charset=utf-8').send('bad cursor');
      before = { publishedAt, id };
    }
    const list = await papers.listNewest({ limit: PAGE_SIZE, before, category });
    const last = list[list.length - 1];
    const qs = (extra: string) => `/?${category ? `category=${encodeURIComponent(category)}&` : ''}${extra}`;
    const body = html`<div class="page-head"><div><h1>Newest papers${category ? html` in <span class="chip">${category}</span>` : ''}</h1>
<p class="muted">The latest papers in this Paperboy instance.</p></div>${subscribeBox(req)}</div>
${list.length ? html`<ol class="papers">${list.map((p) => paperCard(p))}</ol>` : html`<p class="notice">No papers yet. Import some with <code>paperboy import FILE</code>.</p>`}
<nav class="pager" aria-label="Pages">${before ? html`<a href="${category ? `/?category=${encodeURIComponent(category)}` : '/'}">Newest</a>` : html`<span></span>`}
${list.length === PAGE_SIZE && last ? html`<a href="${qs(`before=${encodeURIComponent(`${last.publishedAt}_${last.id}`)}`)}">Older papers →</a>` : ''}</nav>`;
    return reply.type('text/html; charset=utf-8').send(layout({ title: 'Paperboy · Daily Papers', body }));
  });
}
