/**
 * Runs `tick` now and every `intervalMs`, one run at a time; the returned stop waits for the run in
 * progress. `tick` is told whether a stop was asked for, to end long work early.
 */
export function everyInterval(intervalMs: number, tick: (stopped: () => boolean) => Promise<void>): () => Promise<void> {
  let stopped = false;
  const isStopped = () => stopped;
  let running = tick(isStopped);
  const timer = setInterval(() => {
    running = running.then(() => tick(isStopped));
  }, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
