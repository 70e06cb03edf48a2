import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database } from '../storage/database.js';
import { withRowClaim } from '../storage/row-claims.js';
import type { GithubReposTable, Schema } from '../storage/schema.js';
import { type GithubClient, githubRepoOf, RateLimited } from './github.js';

// The stars of papers' GitHub repositories: which repositories papers link (a member's link or
// one found in the text), asked for again once their count is older than the refresh age, one
// count per repository and UTC day kept for "stars gained this week".

/** A deleted (or private) repository is asked again after this long, in case it comes back. */
export const GONE_RECHECK_MS = 30 * 24 * 3600_000;
/** After a failed request: the next try waits this long, doubled per failure in a row, at most a day. */
export const FAILURE_RETRY_MS = 15 * 60_000;
/**
 * A worker claims a due repository by moving its next_check_at this far on (another worker then
 * finds it not due); the answer sets the real next time. A worker that died frees it after this.
 */
export const STARS_CLAIM_MS = 10 * 60_000;

export interface StarsRefresh {
  asked: number;
  updated: number;
  notModified: number;
  gone: number;
  failed: number;
  /** the rate limit ended the run; the next may start after this (epoch ms) */
  rateLimitedUntil?: number;
}

/** Add the GitHub repositories linked from papers that are not tracked yet (due at once). */
export async function trackLinkedRepos(db: Kysely<Schema>, nowIso: string): Promise<number> {
  const linked = await db
    .selectFrom('papers')
    .select(['github_repo', 'found_repo'])
    .where((eb) => eb.or([eb('github_repo', 'like', '%github.com/%'), eb('found_repo', 'like', 'https://github.com/%')]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('github_repos as g')
            .select('g.url')
            .where((w) => w.or([w('g.url', '=', w.ref('papers.github_repo')), w('g.url', '=', w.ref('papers.found_repo'))])),
        ),
      ),
    )
    .execute();
  const fromSubmissions = await db
    .selectFrom('submissions')
    .select('github_repo')
    .where('github_repo', 'like', '%github.com/%')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('github_repos as g').select('g.url').where('g.url', '=', eb.ref('submissions.github_repo')))))
    .execute();
  const urls = new Set<string>();
  for (const r of linked) {
    // The link a paper shows: the member's first, else the one found.
    const shown = r.github_repo ?? r.found_repo;
    if (shown) urls.add(shown);
  }
  for (const r of fromSubmissions) if (r.github_repo) urls.add(r.github_repo);
  const rows = [...urls].flatMap((url) => {
    const repo = githubRepoOf(url);
    return repo ? [{ url, repo, next_check_at: nowIso, gone: 0, failures: 0 }] : [];
  });
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('github_repos')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.column('url').doNothing())
      .execute();
  }
  return rows.length;
}

type RepoRow = Selectable<GithubReposTable>;

function dueCandidates(q: Kysely<Schema>, nowIso: string) {
  // Never-counted repositories first (a paper just linked shows no stars until asked), then the
  // longest due.
  return q
    .selectFrom('github_repos')
    .selectAll()
    .where('next_check_at', '<=', nowIso)
    .orderBy(sql`CASE WHEN checked_at IS NULL THEN 0 ELSE 1 END`)
    .orderBy('next_check_at')
    .orderBy('url')
    .limit(20);
}

/** Claim the next due repository for this worker (row-claims.ts), or null when none is left. */
async function claimDue(database: Database, nowMs: number): Promise<RepoRow | null> {
  const nowIso = new Date(nowMs).toISOString();
  return withRowClaim(database, async (q, lockRows) => {
    for (const r of await lockRows(dueCandidates(q, nowIso)).execute()) {
      // The conditional update is the claim: it matches nothing when another worker moved the row on.
      const res = await q
        .updateTable('github_repos')
        .set({ next_check_at: new Date(nowMs + STARS_CLAIM_MS).toISOString() })
        .where('url', '=', r.url)
        .where('next_check_at', '=', r.next_check_at)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) return r;
    }
    return null;
  });
}

/**
 * Ask GitHub for the repositories due (next_check_at passed), never-counted ones first, then the
 * oldest, at most `limit`, one request at a time (the client's); each is claimed first, so workers
 * running this at once never ask about one repository twice. Stops early when asked to, or when
 * the rate limit is spent beyond what the client waits for.
 */
export async function refreshStars(
  database: Database,
  client: GithubClient,
  o: { now?: () => number; refreshMs: number; limit?: number; shouldStop?: () => boolean },
): Promise<StarsRefresh> {
  const { db } = database;
  const now = o.now ?? Date.now;
  const out: StarsRefresh = { asked: 0, updated: 0, notModified: 0, gone: 0, failed: 0 };
  await trackLinkedRepos(db, new Date(now()).toISOString());
  const limit = o.limit ?? 500;
  while (out.asked < limit) {
    if (o.shouldStop?.()) break;
    const r = await claimDue(database, now());
    if (!r) break;
    out.asked++;
    let answer: Awaited<ReturnType<GithubClient['repo']>>;
    try {
      answer = await client.repo(r.repo, r.stars === null ? null : r.etag);
    } catch (e) {
      if (e instanceof RateLimited) {
        out.asked--;
        out.rateLimitedUntil = e.resetAt;
        // Not asked: due again as it was.
        await db.updateTable('github_repos').set({ next_check_at: r.next_check_at }).where('url', '=', r.url).execute();
        break;
      }
      out.failed++;
      const failures = Number(r.failures) + 1;
      const wait = Math.min(FAILURE_RETRY_MS * 2 ** (failures - 1), 24 * 3600_000);
      await db
        .updateTable('github_repos')
        .set({ failures, next_check_at: new Date(now() + wait).toISOString() })
        .where('url', '=', r.url)
        .execute();
      continue;
    }
    const at = new Date(now());
    const checked = { checked_at: at.toISOString(), failures: 0, next_check_at: new Date(at.getTime() + o.refreshMs).toISOString() };
    if (answer.status === 'gone') {
      out.gone++;
      await db
        .updateTable('github_repos')
        .set({ ...checked, gone: 1, next_check_at: new Date(at.getTime() + GONE_RECHECK_MS).toISOString() })
        .where('url', '=', r.url)
        .execute();
      continue;
    }
    const stars = answer.status === 'ok' ? answer.stars : Number(r.stars);
    if (answer.status === 'ok') out.updated++;
    else out.notModified++;
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('github_repos')
        .set({ ...checked, gone: 0, stars, ...(answer.status === 'ok' ? { etag: answer.etag } : {}) })
        .where('url', '=', r.url)
        .execute();
      await trx
        .insertInto('github_repo_stars')
        .values({ url: r.url, day: at.toISOString().slice(0, 10), stars })
        .onConflict((oc) => oc.columns(['url', 'day']).doUpdateSet({ stars }))
        .execute();
    });
  }
  return out;
}
