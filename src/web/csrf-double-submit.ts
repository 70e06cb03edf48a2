import type { FastifyReply, FastifyRequest } from 'fastify';
import { deriveKey, hmac, randomToken, safeEqual } from '../digest/secret.js';

// CSRF protection for forms used without an account (subscribe, confirm, manage): a signed
// double submit. A random value lives in an HttpOnly SameSite=Lax cookie; the form carries its
// HMAC under SESSION_SECRET. A forged cross-site POST cannot read the cookie, so cannot produce
// the matching field. (Once the community branch's session CSRF helpers are merged, signed-in
// forms use those; this one needs no session.)

export const CSRF_COOKIE = 'pb_csrf_ds';
export const CSRF_FIELD = '_csrf';

export function readCookie(req: FastifyRequest, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}

export interface DoubleSubmitCsrf {
  /** the form token for this request, setting the cookie when the browser has none */
  issue(req: FastifyRequest, reply: FastifyReply): string;
  verify(req: FastifyRequest, field: unknown): boolean;
}

export function createDoubleSubmitCsrf(secret: string, secure: boolean): DoubleSubmitCsrf {
  const key = deriveKey(secret, 'csrf-double-submit');
  const valid = (v: string | null): v is string => !!v && /^[A-Za-z0-9_-]{22,64}$/.test(v);
  return {
    issue(req, reply) {
      let value = readCookie(req, CSRF_COOKIE);
      if (!valid(value)) {
        value = randomToken(18);
        reply.header('set-cookie', `${CSRF_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
      }
      return hmac(key, value);
    },
    verify(req, field) {
      const value = readCookie(req, CSRF_COOKIE);
      return valid(value) && typeof field === 'string' && safeEqual(field, hmac(key, value));
    },
  };
}
