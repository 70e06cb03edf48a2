// A small fixed-window rate limiter kept in memory, keyed by whatever the caller chooses (client
// address, email, user id). Reusable: sign-in requests, submissions, digest subscriptions.
// In memory on purpose: limits are per process, which is what a single-node self-hosted instance
// runs; several web processes behind a balancer each allow the limit.

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
  hit(key: string): RateDecision;
  reset(key?: string): void;
}

export function createRateLimiter(options: { limit: number; windowMs: number; now?: () => number; maxKeys?: number }): RateLimiter {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 100_000;
  const windows = new Map<string, { start: number; count: number }>();
  return {
    limit: options.limit,
    windowMs: options.windowMs,
    hit(key) {
      const t = now();
      let w = windows.get(key);
      if (!w || t - w.start >= options.windowMs) {
        // Bound memory: when full, drop expired windows first, then the oldest.
        if (!w && windows.size >= maxKeys) {
          for (const [k, v] of windows) if (t - v.start >= options.windowMs) windows.delete(k);
          if (windows.size >= maxKeys) windows.delete(windows.keys().next().value as string);
        }
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      w.count++;
      const retryAfterSeconds = Math.max(1, Math.ceil((w.start + options.windowMs - t) / 1000));
      return { ok: w.count <= options.limit, retryAfterSeconds, remaining: Math.max(0, options.limit - w.count) };
    },
    reset(key) {
      if (key === undefined) windows.clear();
      else windows.delete(key);
    },
  };
}
