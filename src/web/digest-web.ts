import type { FastifyReply } from 'fastify';
import type { AppDeps, SubscribeLimits } from './deps.js';
import type { Database } from '../storage/database.js';
import type { DigestService } from '../digest/service.js';
import { createRateLimiter, type RateLimiter } from '../community/rate-limit.js';
import type { Subscriber } from '../digest/subscriptions.js';
import { layout } from './layout.js';
import type { SafeHtml } from '../util/html.js';

// What the digest pages share: the process's digest service and the subscribe rate limits (both
// in AppDeps, built by src/main.ts). CSRF is the community sessions' (src/web/session.ts): every
// form POST outside /api/ must carry `_csrf`.

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

/** Built once by the composition root: the limits count in the database, per limiter name. */
export function createSubscribeLimits(database: Database): SubscribeLimits {
  return {
    perAddress: createRateLimiter(database, { name: 'subscribe-address', limit: SUBSCRIBE_PER_ADDRESS, windowMs: 15 * 60_000 }),
    perClient: createRateLimiter(database, { name: 'subscribe-client', limit: SUBSCRIBE_PER_CLIENT, windowMs: 60 * 60_000 }),
  };
}

/** The digest pages' view of the app deps. */
export function digestWeb({ digests: service, subscribeLimits }: AppDeps): DigestWeb {
  return {
    service,
    ...subscribeLimits,
    async fromLink(purpose, token) {
      const parsed = service.links.parse(token);
      if (!parsed) return null;
      const s = await service.subscriptions.get(parsed.subscriberId);
      return s && service.links.verify(purpose, token, s.email) ? s : null;
    },
  };
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
