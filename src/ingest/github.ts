// The GitHub REST API, for the stars of papers' repositories: GET /repos/{owner}/{repo}, one
// request at a time, conditional (If-None-Match with the last ETag: a 304 costs no rate limit),
// honouring X-RateLimit-Remaining / X-RateLimit-Reset (and Retry-After), retrying 5xx and network
// errors with exponential backoff. The token goes in the Authorization header and nowhere else.

export interface GithubClientOptions {
  apiUrl: string;
  /** empty: unauthenticated (GitHub allows 60 requests an hour) */
  token: string;
  userAgent: string;
  timeoutMs?: number;
  maxRetries?: number;
  /** first backoff after a 5xx or a network error; doubled on each retry */
  backoffMs?: number;
  /** the longest wait for a rate limit's reset; a later reset ends the call with RateLimited */
  maxRateWaitMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type RepoAnswer =
  | { status: 'ok'; stars: number; etag: string | null }
  | { status: 'not-modified' }
  /** 404 or 451: the repository is deleted, private or blocked */
  | { status: 'gone' };

/** The rate limit is spent until `resetAt` (epoch ms), later than the client will wait. */
export class RateLimited extends Error {
  constructor(public resetAt: number) {
    super(`github: rate limited until ${new Date(resetAt).toISOString()}`);
  }
}

export class GithubError extends Error {
  constructor(
    message: string,
    public status: number | null,
  ) {
    super(message);
  }
}

export interface GithubClient {
  /** `repo` is "owner/name"; `etag` the one the last 200 gave */
  repo(repo: string, etag: string | null): Promise<RepoAnswer>;
}

const sleepFor = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createGithubClient(o: GithubClientOptions): GithubClient {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? sleepFor;
  const maxRetries = o.maxRetries ?? 4;
  const backoffMs = o.backoffMs ?? 2000;
  const maxRateWaitMs = o.maxRateWaitMs ?? 15 * 60_000;
  const base = o.apiUrl.replace(/\/+$/, '');
  // One request at a time: each call waits for the one before it to settle.
  let turn: Promise<unknown> = Promise.resolve();

  async function once(repo: string, etag: string | null): Promise<RepoAnswer> {
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': o.userAgent,
    };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (etag) headers['if-none-match'] = etag;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${base}/repos/${repo.split('/').map(encodeURIComponent).join('/')}`, {
          headers,
          signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
        });
      } catch (e) {
        if (attempt >= maxRetries) throw new GithubError(`github: ${repo}: ${(e as Error).message}`, null);
        await sleep(backoffMs * 2 ** attempt);
        continue;
      }
      const body = await res.text();
      if (res.status === 304) return { status: 'not-modified' };
      if (res.status === 200) {
        const stars = (JSON.parse(body) as { stargazers_count?: unknown }).stargazers_count;
        if (typeof stars !== 'number') throw new GithubError(`github: ${repo}: no stargazers_count in the answer`, 200);
        return { status: 'ok', stars, etag: res.headers.get('etag') };
      }
      if (res.status === 404 || res.status === 451 || res.status === 410) return { status: 'gone' };
      // Rate limited: primary (X-RateLimit-Remaining: 0, until X-RateLimit-Reset) or secondary (Retry-After).
      if (res.status === 403 || res.status === 429) {
        const waitUntil = rateLimitedUntil(res.headers, now());
        if (waitUntil !== null) {
          if (waitUntil - now() > maxRateWaitMs) throw new RateLimited(waitUntil);
          await sleep(Math.max(0, waitUntil - now()));
          continue;
        }
        throw new GithubError(`github: ${repo}: HTTP ${res.status}`, res.status);
      }
      if (res.status >= 500 && attempt < maxRetries) {
        await sleep(backoffMs * 2 ** attempt);
        continue;
      }
      throw new GithubError(`github: ${repo}: HTTP ${res.status}`, res.status);
    }
  }

  return {
    repo(repo, etag) {
      const run = turn.then(() => once(repo, etag));
      turn = run.catch(() => undefined);
      return run;
    },
  };
}

/** When a 403/429 may be retried (epoch ms), or null when it is no rate limit (a plain refusal). */
export function rateLimitedUntil(headers: Headers, nowMs: number): number | null {
  const retryAfter = headers.get('retry-after');
  if (retryAfter && /^\d+$/.test(retryAfter)) return nowMs + Number(retryAfter) * 1000;
  if (headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(headers.get('x-ratelimit-reset'));
    // A second past the reset: GitHub's clock and ours differ by a little.
    if (Number.isFinite(reset) && reset > 0) return Math.max(nowMs, reset * 1000 + 1000);
    return nowMs + 60_000;
  }
  return null;
}

/** "owner/name" of a github.com repository link, or null. */
export function githubRepoOf(url: string): string | null {
  const m = /^https?:\/\/(?:www\.)?github\.com\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?(?:[/?#].*)?$/i.exec(url.trim());
  return m ? `${m[1]}/${m[2]}` : null;
}
