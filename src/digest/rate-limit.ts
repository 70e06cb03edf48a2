// A fixed-window counter per key, in memory: enough to stop one client or one address from
// turning the subscribe form into a mail cannon. Per process; the database's one-confirmation-
// a-minute rule (subscriptions.ts) holds across processes.

export interface RateLimiter {
  /** count one hit; false when the key is over its limit in the current window */
  hit(key: string, now?: number): boolean;
}

export function createRateLimiter(limit: number, windowMs: number, maxKeys = 100_000): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(key, now = Date.now()) {
      let w = windows.get(key);
      if (!w || now - w.start >= windowMs) {
        if (windows.size >= maxKeys) {
          for (const [k, v] of windows) if (now - v.start >= windowMs) windows.delete(k);
          if (windows.size >= maxKeys) windows.clear();
        }
        w = { start: now, count: 0 };
        windows.set(key, w);
      }
      w.count++;
      return w.count <= limit;
    },
  };
}
