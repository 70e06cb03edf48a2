// A bounded pool of job loops. Each loop asks for the next due job (from database state) and
// runs it; with nothing due it waits pollMs. stop() lets running jobs hand back at their next
// safe point (the signal) and waits for them.

export interface WorkerPool {
  stop(): Promise<void>;
}

export interface WorkerPoolOptions {
  concurrency: number;
  pollMs: number;
  /** run one job if one is due; false when there was none */
  runNext(slot: number, signal: AbortSignal): Promise<boolean>;
  log: (line: string) => void;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function startWorkerPool(opts: WorkerPoolOptions): WorkerPool {
  const controller = new AbortController();
  const { signal } = controller;
  const loop = async (slot: number) => {
    while (!signal.aborted) {
      let ran = false;
      try {
        ran = await opts.runNext(slot, signal);
      } catch (e) {
        // One bad job must not stop the worker; it is logged and the loop waits before going on.
        opts.log(`worker: job failed: ${(e as Error).message}`);
      }
      if (!ran) await sleep(opts.pollMs, signal);
    }
  };
  const loops = Array.from({ length: opts.concurrency }, (_, i) => loop(i));
  return {
    async stop() {
      controller.abort();
      await Promise.all(loops);
    },
  };
}
