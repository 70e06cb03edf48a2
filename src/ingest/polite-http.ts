// The one way Paperboy talks to arXiv: a GET that waits its turn per host, names the operator in
// its User-Agent, gives up after a time limit, and retries failures with exponential backoff and
// jitter, honouring Retry-After. arXiv asks for one request every 3 seconds over a single
// connection; several jobs in one process share this client and so take turns, and with
// `sharedTurn` several processes on one database do too.
import type { SharedTurn } from './shared-slots.js';

export interface PoliteHttpOptions {
  userAgent: string;
  /** least time between the starts of two requests to one host */
  intervalMs: number;
  timeoutMs: number;
  maxRetries: number;
  /** first backoff delay; doubled on each further retry */
  backoffMs: number;
  /** upper bound for any single wait (Retry-After included) */
  maxWaitMs?: number;
  /** counts every attempt, good or bad (for metrics) */
  onAttempt?: (host: string, outcome: 'ok' | 'error', detail?: string) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** reserves a start shared with other processes (src/ingest/shared-slots.ts); none: this process only */
  sharedTurn?: SharedTurn;
}

export interface HttpResponse {
  status: number;
  body: string;
  url: string;
}

/** A binary answer (a PDF): its bytes as sent, and the type the server named. */
export interface BinaryResponse {
  status: number;
  bytes: Buffer;
  contentType: string;
  url: string;
}

/** A binary GET's own bounds: what it accepts, and the most bytes it reads (larger: HttpTooLarge, not retried). */
export interface BinaryOptions {
  accept: string;
  maxBytes: number;
}

/** The answer was larger than the call's maxBytes: not retried. */
export class HttpTooLarge extends Error {}

/** Thrown when a response is usable as HTTP but not as data (e.g. truncated XML): worth a retry. */
export class RetryableError extends Error {}

export class HttpError extends Error {
  constructor(
    message: string,
    public status: number | null,
  ) {
    super(message);
  }
}

/**
 * A call's own limits in place of the client's (a person waiting on /submit cannot wait through
 * the harvest's retries): deadlineMs bounds the whole call, waiting for the host's turn included.
 */
export interface CallBudget {
  timeoutMs?: number;
  maxRetries?: number;
  backoffMs?: number;
  deadlineMs?: number;
}

/** Attempts made by one call, for the caller's own counters. */
export interface Tally {
  requests: number;
  errors: number;
}

export interface PoliteHttp {
  /** GET url; `check` may throw RetryableError to have the body fetched again. */
  get<T>(url: string, check: (res: HttpResponse) => T, tally?: Tally, budget?: CallBudget): Promise<T>;
  /** GET url's bytes (a PDF), on the same turns as `get`. */
  getBytes<T>(url: string, opts: BinaryOptions, check: (res: BinaryResponse) => T, tally?: Tally, budget?: CallBudget): Promise<T>;
  userAgent: string;
}

export function userAgent(version: string, contact: string): string {
  return `Paperboy/${version} (self-hosted arXiv daily papers hub${contact ? `; ${contact}` : ''})`;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Retry-After is either delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const t = Date.parse(header);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function createPoliteHttp(opts: PoliteHttpOptions): PoliteHttp {
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const maxWait = opts.maxWaitMs ?? 10 * 60_000;
  // host -> earliest start of its next request; a promise chain keeps callers in order.
  const nextSlot = new Map<string, number>();
  const queue = new Map<string, Promise<void>>();

  /**
   * Wait for this host's turn; the returned release starts the interval when the answer is in.
   * Null when the turn would come after `deadline` (a time in ms): the call gives up, and its place
   * in the queue passes on once the caller before it is done.
   */
  async function takeTurn(host: string, extraWaitMs = 0, deadline = Infinity): Promise<(() => void) | null> {
    const prev = queue.get(host) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    queue.set(
      host,
      prev.then(() => mine),
    );
    const giveUp = () => {
      void prev.then(release);
      return null;
    };
    if (deadline !== Infinity) {
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        prev.then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), Math.max(0, deadline - Date.now())))),
      ]);
      clearTimeout(timer);
      if (!inTime) return giveUp();
    } else await prev;
    const wait = Math.max((nextSlot.get(host) ?? 0) - Date.now(), extraWaitMs);
    if (Date.now() + wait >= deadline) return giveUp();
    if (wait > 0) await sleep(Math.min(wait, maxWait));
    if (opts.sharedTurn) {
      const shared = await opts.sharedTurn(host, opts.intervalMs);
      if (Date.now() + shared >= deadline) return giveUp();
      if (shared > 0) await sleep(Math.min(shared, maxWait));
    }
    return () => {
      nextSlot.set(host, Date.now() + opts.intervalMs);
      release();
    };
  }

  /** The body, read no further than maxBytes (larger: HttpTooLarge). */
  async function readBytes(res: Response, maxBytes: number): Promise<Buffer> {
    const declared = Number(res.headers.get('content-length'));
    if (declared > maxBytes) {
      await res.body?.cancel();
      throw new HttpTooLarge(`${declared} bytes, more than the ${maxBytes} allowed`);
    }
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body ?? []) {
      size += chunk.length;
      if (size > maxBytes) throw new HttpTooLarge(`more than the ${maxBytes} bytes allowed`);
      parts.push(Buffer.from(chunk));
    }
    return Buffer.concat(parts);
  }

  function get<T>(url: string, check: (res: HttpResponse) => T, tally?: Tally, budget?: CallBudget): Promise<T> {
    return call(
      url,
      'application/atom+xml, application/xml, text/xml',
      async (res) => check({ status: res.status, body: await res.text(), url }),
      tally,
      budget,
    );
  }

  function getBytes<T>(url: string, o: BinaryOptions, check: (res: BinaryResponse) => T, tally?: Tally, budget?: CallBudget): Promise<T> {
    return call(
      url,
      o.accept,
      async (res) => check({ status: res.status, bytes: await readBytes(res, o.maxBytes), contentType: res.headers.get('content-type') ?? '', url }),
      tally,
      budget,
    );
  }

  async function call<T>(
    url: string,
    accept: string,
    read: (res: Response) => Promise<T>,
    tally: Tally = { requests: 0, errors: 0 },
    budget: CallBudget = {},
  ): Promise<T> {
    const host = new URL(url).host;
    const maxRetries = budget.maxRetries ?? opts.maxRetries;
    const backoffMs = budget.backoffMs ?? opts.backoffMs;
    const deadline = budget.deadlineMs === undefined ? Infinity : Date.now() + budget.deadlineMs;
    let lastError = '';
    let waitBefore = 0;
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      // One request at a time per host (as arXiv asks), the interval counted from the last answer.
      const done = await takeTurn(host, waitBefore, deadline);
      if (!done) {
        throw new HttpError(
          `http: ${url} gave up: the next try would start past the call's budget of ${budget.deadlineMs} ms (${attempt} attempts${lastError ? `, last: ${lastError}` : ''})`,
          null,
        );
      }
      const timeoutMs = Math.max(1, Math.min(budget.timeoutMs ?? opts.timeoutMs, deadline - Date.now()));
      tally.requests++;
      let retryAfter: number | null = null;
      try {
        const res = await fetch(url, {
          headers: { 'User-Agent': opts.userAgent, Accept: accept },
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'follow',
        });
        if (res.ok) {
          const value = await read(res);
          opts.onAttempt?.(host, 'ok');
          return value;
        }
        await res.body?.cancel();
        lastError = `HTTP ${res.status}`;
        retryAfter = retryAfterMs(res.headers.get('retry-after'));
        if (!isRetryableStatus(res.status)) {
          tally.errors++;
          opts.onAttempt?.(host, 'error', lastError);
          throw new HttpError(`http: ${url} answered ${res.status}`, res.status);
        }
      } catch (e) {
        if (e instanceof HttpError) throw e;
        if (e instanceof HttpTooLarge) {
          tally.errors++;
          opts.onAttempt?.(host, 'error', e.message);
          throw e;
        }
        const err = e as Error;
        if (err instanceof RetryableError) lastError = err.message;
        else if (err.name === 'TimeoutError' || err.name === 'AbortError') lastError = `no answer within ${timeoutMs} ms`;
        else if (err instanceof TypeError || (err as NodeJS.ErrnoException).code)
          lastError = `network: ${(err as { cause?: Error }).cause?.message ?? err.message}`;
        else throw err; // a bug in `check`, not a network problem: do not hide it behind retries
      } finally {
        done();
      }
      tally.errors++;
      opts.onAttempt?.(host, 'error', lastError);
      // Full jitter (0..base*2^n) spreads retries of several workers; Retry-After is a floor.
      const backoff = Math.round(random() * backoffMs * 2 ** attempt);
      waitBefore = Math.max(backoff, retryAfter ?? 0);
    }
    throw new HttpError(`http: ${url} failed after ${maxRetries + 1} attempts (last: ${lastError})`, null);
  }

  return { get, getBytes, userAgent: opts.userAgent };
}
