// Tests wait for what they expect to happen, not for a fixed time: a fixed sleep is either too
// short on a loaded machine (a flaky failure) or longer than needed on every run.

export interface WaitOptions {
  /** what is awaited, named in the timeout error */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Resolves once `condition` is true (it is tried at once, then every `intervalMs`); throws
 * "wait: timed out after N ms waiting for <what>" when it is still false after `timeoutMs`.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, { what, timeoutMs = 10_000, intervalMs = 10 }: WaitOptions): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`wait: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
