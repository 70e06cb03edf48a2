import { nextDailyAt } from '../util/zoned-time.js';

// The one job runner of a process: harvest windows, the harvest plan, digests, the search index,
// embedding, retraining and following the model file. Each job kind declares when it runs (its
// cadence) and what a run does; what is due comes from database state, so the runs of several
// processes never collide (claims and leases, see each job). A failed run is logged and retried
// with backoff; the loop never ends until stop(), which waits for the runs in progress.

export type Role = 'web' | 'worker' | 'scheduler';

export type Cadence =
  /** now, then every `ms` (counted from the start of the previous run) */
  | { kind: 'every'; ms: number }
  /** now (a catch-up), then daily at `at` (HH:MM) in `timeZone` */
  | { kind: 'daily'; at: string; timeZone: string }
  /** `concurrency` loops that run back to back while a run finds work, and look again after `pollMs` when one finds none */
  | { kind: 'queue'; pollMs: number; concurrency: number };

export interface JobRun {
  /** which of a queue job's loops this is (0 for the others) */
  slot: number;
  /** aborted by stop(): long runs end at their next safe point */
  signal: AbortSignal;
}

/** idle: a queue job found nothing due (not counted as a run); nextInMs: when to run next instead of the cadence's time */
export type JobOutcome = void | { idle?: boolean; nextInMs?: number };

export interface JobDefinition {
  name: string;
  /** the SERVICES roles this job runs in */
  roles: Role[];
  cadence: Cadence;
  run(r: JobRun): Promise<JobOutcome>;
  /** the log line of a failed run; `jobs: NAME failed: MESSAGE` by default */
  failed?(message: string): string;
  /** the line to log once the first run is over and the next one is planned (daily jobs) */
  planned?(next: Date): string;
}

export interface JobState {
  name: string;
  /** the cadence in words: "every 60 s", "daily 20:00 America/New_York", "queue of 4, polls every 30 s" */
  cadence: string;
  runningNow: number;
  runs: number;
  failures: number;
  /** failures since the last run that went well: the backoff grows with them */
  failuresInARow: number;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastStatus: 'ok' | 'failed' | null;
  lastError: string | null;
  /** when the next run is due (null while running, or for a queue job with work) */
  nextAt: string | null;
}

export interface JobRunner {
  start(): void;
  /** one entry per job kind, in the order they were given */
  states(): JobState[];
  /** stops starting runs, tells running ones to stop (their signal) and waits for them, job by job */
  stop(): Promise<void>;
}

export interface RunnerOptions {
  log: (line: string) => void;
  now?: () => Date;
  /** the first retry after a failure; doubled for each failure in a row */
  backoffMs?: number;
  /** the longest wait between retries */
  maxBackoffMs?: number;
}

export const RETRY_BACKOFF_MS = 10_000;
export const RETRY_MAX_BACKOFF_MS = 10 * 60_000;

function describe(c: Cadence): string {
  if (c.kind === 'every') return `every ${c.ms / 1000} s`;
  if (c.kind === 'daily') return `daily ${c.at} ${c.timeZone}`;
  return `queue of ${c.concurrency}, polls every ${c.pollMs / 1000} s`;
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

/** Only the definitions whose roles this process runs. */
export function jobsForRoles(defs: JobDefinition[], services: readonly string[]): JobDefinition[] {
  return defs.filter((d) => d.roles.some((r) => services.includes(r)));
}

export function createJobRunner(defs: JobDefinition[], o: RunnerOptions): JobRunner {
  const now = o.now ?? (() => new Date());
  const backoffMs = o.backoffMs ?? RETRY_BACKOFF_MS;
  const maxBackoffMs = o.maxBackoffMs ?? RETRY_MAX_BACKOFF_MS;
  const controller = new AbortController();
  const { signal } = controller;
  const states = defs.map(
    (d): JobState => ({
      name: d.name,
      cadence: describe(d.cadence),
      runningNow: 0,
      runs: 0,
      failures: 0,
      failuresInARow: 0,
      lastStartedAt: null,
      lastFinishedAt: null,
      lastStatus: null,
      lastError: null,
      nextAt: null,
    }),
  );
  let loops: Array<Promise<void>[]> | null = null;

  const loop = async (def: JobDefinition, state: JobState, slot: number) => {
    const c = def.cadence;
    let first = true;
    while (!signal.aborted) {
      const started = now();
      state.nextAt = null;
      state.runningNow++;
      let outcome: JobOutcome | undefined;
      let error: string | null = null;
      try {
        outcome = await def.run({ slot, signal });
      } catch (e) {
        error = (e as Error).message;
      } finally {
        state.runningNow--;
      }
      const finished = now();
      const idle = !error && Boolean(outcome?.idle);
      if (!idle) {
        state.runs++;
        state.lastStartedAt = started.toISOString();
        state.lastFinishedAt = finished.toISOString();
        state.lastStatus = error === null ? 'ok' : 'failed';
        state.lastError = error;
      }
      // When the cadence would run next: back to back for a queue with work.
      let wait: number;
      if (outcome && outcome.nextInMs !== undefined) wait = outcome.nextInMs;
      else if (c.kind === 'every') wait = Math.max(0, started.getTime() + c.ms - finished.getTime());
      else if (c.kind === 'daily') wait = Math.max(0, nextDailyAt(finished, c.at, c.timeZone).getTime() - finished.getTime());
      else wait = idle ? c.pollMs : 0;
      if (error !== null) {
        state.failures++;
        state.failuresInARow++;
        // Sooner than the cadence (a transient error should not cost a day), never later than it.
        const base = c.kind === 'queue' ? c.pollMs : backoffMs;
        const retry = Math.min(maxBackoffMs, base * 2 ** (state.failuresInARow - 1));
        wait = c.kind === 'queue' ? retry : Math.min(retry, wait);
        const after = wait < 1000 ? `${wait} ms` : `${Math.round(wait / 1000)} s`;
        o.log(`${def.failed ? def.failed(error) : `jobs: ${def.name} failed: ${error}`} (retrying in ${after})`);
      } else {
        state.failuresInARow = 0;
      }
      const nextAt = new Date(finished.getTime() + wait);
      if (wait > 0) state.nextAt = nextAt.toISOString();
      if (first && def.planned && !signal.aborted) o.log(def.planned(nextAt));
      first = false;
      if (wait > 0) await sleep(wait, signal);
    }
  };

  return {
    start() {
      if (loops) throw new Error('jobs: the runner is already started');
      loops = defs.map((d, i) => Array.from({ length: d.cadence.kind === 'queue' ? d.cadence.concurrency : 1 }, (_, slot) => loop(d, states[i], slot)));
    },
    states: () => states.map((s) => ({ ...s })),
    async stop() {
      controller.abort();
      for (const l of loops ?? []) await Promise.all(l);
    },
  };
}
