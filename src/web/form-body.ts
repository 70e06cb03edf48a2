import querystring from 'node:querystring';
import type { FastifyInstance } from 'fastify';

// HTML forms POST application/x-www-form-urlencoded, which Fastify does not parse by itself.
// Registered once, by whichever route module needs it first.
export function ensureFormParser(app: FastifyInstance): void {
  if (app.hasContentTypeParser('application/x-www-form-urlencoded')) return;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    done(null, querystring.parse(body as string));
  });
}

/** A single text field from a parsed form (repeated fields and non-strings count as absent). */
export function field(body: unknown, name: string): string | undefined {
  const v = (body as Record<string, unknown> | null)?.[name];
  return typeof v === 'string' ? v : undefined;
}
