import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../storage/database.js';

// A fixed-window rate limiter kept in the database, keyed by whatever the caller chooses (client
// address, email, user id): sign-in requests, submissions, digest subscriptions. In the database so
// that several web processes behind a balancer share one limit, and a restart does not reset it.
// One upsert per attempt; these are rare actions (never page views).

export interface RateDecision {
  ok: boolean;
  /** seconds until the window resets (for Retry-After) */
  retryAfterSeconds: number;
  remaining: number;
}

export interface RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  /** count one attempt for key and say whether it is allowed */
  hit(key: string): Promise<RateDecision>;
}

export interface RateLimiterOptions {
  /** names the limiter: keys of different limiters never collide */
  name: string;
  limit: number;
  windowMs: number;
  now?: () => number;
}

/** Windows older than this are deleted now and then. */
const KEEP_MS = 24 * 3600_000;

export function createRateLimiter(database: Database, options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  let sinceCleanup = 0;
  return {
    limit: options.limit,
    windowMs: options.windowMs,
    async hit(key) {
      const t = now();
      const expired = t - options.windowMs;
      const hashed = createHash('sha256').update(`${options.name}\u0000${key}`).digest('hex');
      // Every SET expression sees the old row, so both CASEs test the same window.
      const r = await sql<{ window_start: number | string; hits: number | string }>`
        INSERT INTO rate_limits (key, window_start, hits) VALUES (${hashed}, ${t}, 1)
        ON CONFLICT (key) DO UPDATE SET
          hits = CASE WHEN rate_limits.window_start <= ${expired} THEN 1 ELSE rate_limits.hits + 1 END,
          window_start = CASE WHEN rate_limits.window_start <= ${expired} THEN excluded.window_start ELSE rate_limits.window_start END
        RETURNING window_start, hits`.execute(database.db);
      const start = Number(r.rows[0].window_start);
      const hits = Number(r.rows[0].hits);
      if (++sinceCleanup >= 500) {
        sinceCleanup = 0;
        await database.db
          .deleteFrom('rate_limits')
          .where('window_start', '<', t - Math.max(KEEP_MS, options.windowMs))
          .execute();
      }
      const retryAfterSeconds = Math.max(1, Math.ceil((start + options.windowMs - t) / 1000));
      return { ok: hits <= options.limit, retryAfterSeconds, remaining: Math.max(0, options.limit - hits) };
    },
  };
}
