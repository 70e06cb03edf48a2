import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppDeps } from './deps.js';
import { createDigestService, type DigestService } from '../digest/service.js';
import { createRateLimiter, type RateLimiter } from '../community/rate-limit.js';
import type { Subscriber } from '../digest/subscriptions.js';
import { ensureFormParser } from './form-body.js';
import { layout } from './layout.js';
import type { SafeHtml } from './html.js';

// What the digest pages share: one digest service per app (one mail transport) and the
// subscribe rate limits. CSRF is the community sessions' (src/web/session.ts): every form POST
// outside /api/ must carry `_csrf`. Kept out of AppDeps so other branches' edits to it do not collide.

export interface DigestWeb {
  service: DigestService;
  perAddress: RateLimiter;
  perClient: RateLimiter;
  /** the subscriber a signed link names, if the signature matches its current address */
  fromLink(purpose: 'manage' | 'unsubscribe', token: string): Promise<Subscriber | null>;
}

/** subscribe requests per address per 15 minutes, and per client per hour */
export const SUBSCRIBE_PER_ADDRESS = 3;
export const SUBSCRIBE_PER_CLIENT = 20;

const cache = new WeakMap<AppDeps, DigestWeb>();

export function digestWeb(app: FastifyInstance, deps: AppDeps): DigestWeb {
  let d = cache.get(deps);
  if (d) return d;
  ensureFormParser(app);
  const service = createDigestService(deps.config, deps.database, { log: (line) => app.log.info(line) });
  app.addHook('onClose', async () => service.close());
  d = {
    service,
    perAddress: createRateLimiter(deps.database, { name: 'subscribe-address', limit: SUBSCRIBE_PER_ADDRESS, windowMs: 15 * 60_000 }),
    perClient: createRateLimiter(deps.database, { name: 'subscribe-client', limit: SUBSCRIBE_PER_CLIENT, windowMs: 60 * 60_000 }),
    async fromLink(purpose, token) {
      const parsed = service.links.parse(token);
      if (!parsed) return null;
      const s = await service.subscriptions.get(parsed.subscriberId);
      return s && service.links.verify(purpose, token, s.email) ? s : null;
    },
  };
  cache.set(deps, d);
  return d;
}

export function sendPage(reply: FastifyReply, status: number, title: string, body: SafeHtml): FastifyReply {
  // Pages reached from emails carry secrets in their URL: keep them out of Referer headers and caches.
  return reply
    .code(status)
    .header('Cache-Control', 'no-store')
    .header('Referrer-Policy', 'no-referrer')
    .type('text/html; charset=utf-8')
    .send(layout({ title: `${title} · Paperboy`, body }));
}
