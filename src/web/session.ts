import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import type { AppDeps } from './deps.js';
import { errorPage } from './error-page.js';
import { hmac, sameSecret, randomToken } from '../community/tokens.js';
import { SESSION_DAYS, type User } from '../community/accounts.js';
import { html, type SafeHtml } from '../util/html.js';
import { layout, type PageOptions } from './layout.js';

// Sessions and CSRF for every page. The session cookie holds a random token (the database keeps
// its hash); the CSRF cookie holds another random value, and forms carry HMAC(secret, value):
// a cross-site form can neither read the cookie nor compute the token, so every state-changing
// POST outside /api/ without a valid `_csrf` field (or X-CSRF-Token header) is refused with 403.
// /api/ accepts only `Authorization: Bearer` tokens, never cookies, so it needs no CSRF token.

export const SESSION_COOKIE = 'pb_session';
export const CSRF_COOKIE = 'pb_csrf';

declare module 'fastify' {
  interface FastifyRequest {
    /** the signed-in member (pages only; null on /api/ and /static/) */
    user: User | null;
    /** this visitor's CSRF token for forms; sets the CSRF cookie on first use */
    csrfToken: () => string;
  }
}

function skipsSessions(url: string): boolean {
  return url.startsWith('/static/') || url.startsWith('/api/') || url === '/healthz' || url === '/favicon.ico';
}

export function cookieOptions(req: FastifyRequest, maxAgeSeconds?: number) {
  // Secure whenever the visitor came over HTTPS (directly or, with trustProxy, via a proxy).
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: req.protocol === 'https', ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) };
}

const CSRF_VALUE_RE = /^[A-Za-z0-9_-]{43}$/;

/** Register cookie and form parsing, the session lookup and the CSRF check on the root app. */
export async function installSessions(app: FastifyInstance, { community, sessionSecret: secret }: AppDeps): Promise<void> {
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  app.decorateRequest('user', null);
  app.decorateRequest('csrfToken', null as unknown as () => string);

  app.addHook('onRequest', async (req, reply) => {
    let value = req.cookies[CSRF_COOKIE];
    req.csrfToken = () => {
      if (!value || !CSRF_VALUE_RE.test(value)) {
        value = randomToken();
        reply.setCookie(CSRF_COOKIE, value, cookieOptions(req, 365 * 86400));
      }
      return hmac(secret, `csrf:${value}`);
    };
    req.user = null;
    if (skipsSessions(req.url)) return;
    const session = req.cookies[SESSION_COOKIE];
    if (session) req.user = await community.accounts.sessionUser(session);
  });

  // A signed-in page shows the member's address and CSRF token: no shared cache may keep it and no
  // browser store it. Answers the same for everyone (the feeds) say `public` themselves and keep it.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.user && !String(reply.getHeader('cache-control') ?? '').startsWith('public')) reply.header('Cache-Control', 'private, no-store');
    return payload;
  });

  app.addHook('preHandler', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || req.url.startsWith('/api/')) return;
    const cookie = req.cookies[CSRF_COOKIE];
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.headers['x-csrf-token'];
    if (!cookie || typeof sent !== 'string' || !sameSecret(sent, hmac(secret, `csrf:${cookie}`))) {
      return reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(errorPage(403, 'Form expired', 'This form was not sent from this site, or it is too old. Go back, reload the page and try again.'));
    }
  });
}

/** The hidden field every POST form carries. */
export function csrfField(req: FastifyRequest): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${req.csrfToken()}">`;
}

/** Header links for this visitor: sign in, or their profile and a sign-out button. */
export function accountNav(req: FastifyRequest): SafeHtml {
  if (!req.user) return html`<a href="/signin">Sign in</a>`;
  return html`<a href="/for-you">For you</a>
<a href="/following">Following</a>
<a href="/u/${req.user.username}">${req.user.username}</a>
<form class="inline" method="post" action="/signout">${csrfField(req)}<button type="submit" class="link">Sign out</button></form>`;
}

const LOCAL_PATH_RE = /^\/(?![/\\])[^\s]*$/;
const LOCAL_ORIGIN = 'http://local.invalid';

/**
 * A local path to go back to after a form (never another site), percent-encoded as a URL writes it:
 * a `Location` header takes ASCII only, and a redirect to `/中文` failed with a 500 (after sign-in had
 * spent its single-use link). The path is checked again once resolved (`/.//x` resolves to `//x`).
 */
export function backPath(value: unknown, fallback: string): string {
  if (typeof value !== 'string' || value.length >= 500 || !LOCAL_PATH_RE.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, LOCAL_ORIGIN);
  } catch {
    return fallback;
  }
  const path = url.pathname + url.search + url.hash;
  return url.origin === LOCAL_ORIGIN && LOCAL_PATH_RE.test(path) && /^[\x21-\x7e]+$/.test(path) ? path : fallback;
}

/** Send visitors who are not signed in to the sign-in page; returns the user or null (replied). */
export function requireUser(req: FastifyRequest, reply: FastifyReply): User | null {
  if (req.user) return req.user;
  const next = req.method === 'GET' ? req.url : backPath((req.body as Record<string, unknown> | undefined)?.back, '/');
  reply.redirect(`/signin?next=${encodeURIComponent(next)}`, 303);
  return null;
}

export function startSession(req: FastifyRequest, reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, cookieOptions(req, SESSION_DAYS * 86400));
}

export function endSession(req: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(req));
}

/** layout() with this visitor's account links in the header. */
export function page(req: FastifyRequest, options: PageOptions): string {
  return layout({ ...options, account: accountNav(req), head: html`<link rel="stylesheet" href="/static/community.css">${options.head ?? ''}` });
}
