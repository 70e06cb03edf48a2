/**
 * A value loaded at most once per maxAgeMs: the first call waits for the load; later ones get the
 * kept value at once, and one past maxAgeMs also starts a single reload behind it. A failed reload
 * keeps the last value (the next call tries again); a failed first load is thrown to its callers.
 * For counts that scan a table (the papers of /healthz, the categories of "For you"'s cold start).
 */
export function keptValue<T>(load: () => Promise<T>, maxAgeMs: number, now: () => number = Date.now): () => Promise<T> {
  let last: { value: T; at: number } | null = null;
  let running: Promise<T> | null = null;
  const reload = () => {
    running ??= load().then(
      (value) => {
        last = { value, at: now() };
        running = null;
        return value;
      },
      (e: unknown) => {
        running = null;
        throw e;
      },
    );
    return running;
  };
  return async () => {
    if (!last) return reload();
    if (now() - last.at >= maxAgeMs) reload().catch(() => undefined);
    return last.value;
  };
}
