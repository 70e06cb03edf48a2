import { sql } from 'kysely';
import type { Database } from '../storage/database.js';
import { withRowClaim } from '../storage/row-claims.js';
import { abstractHash } from '../papers/summary.js';
import { type SummaryModel, SummaryModelError } from './summary-model.js';

// The summaries job's work, one paper at a time (migration 0021): the newest paper whose summary
// is missing, written by another model or from an older abstract is claimed (summary_tries, so
// two workers never ask about one paper), counted against the day's budget (summary_budget,
// shared by every worker), sent to the model, and its sentence stored on the paper. A failed try
// waits before the paper is tried again, longer after each failure in a row.

/** How long a claim holds: a worker that died mid-request frees its paper after this. */
export const SUMMARY_CLAIM_MS = 10 * 60_000;
/** After a failed try the paper waits this long, doubled per failure in a row, at most a day. */
export const SUMMARY_RETRY_MS = 15 * 60_000;
const DAY_MS = 24 * 3600_000;

export type SummariseOutcome =
  | { status: 'done'; paperId: string; summary: string }
  /** nothing to do: every paper is summarised, claimed by another worker or waiting after a failure */
  | { status: 'idle' }
  /** the day's budget is spent: nothing was asked */
  | { status: 'budget' }
  | { status: 'failed'; paperId: string; error: string; serverFault: boolean };

export interface SummariseOptions {
  /** who claims (process and slot); another owner's live claim is passed over */
  owner: string;
  /** papers sent to the model per UTC day, all workers together */
  dailyBudget: number;
  now?: () => number;
}

interface Claimed {
  id: string;
  title: string;
  abstract: string;
  content_hash: string;
}

/** Claim the newest paper that needs a summary from `model`, or null when none is free. */
async function claimNext(database: Database, model: string, owner: string, nowMs: number): Promise<Claimed | null> {
  const now = new Date(nowMs).toISOString();
  return withRowClaim(database, async (q, lockRows) => {
    for (;;) {
      const rows = await lockRows(
        q
          .selectFrom('papers as p')
          .select(['p.id', 'p.title', 'p.abstract', 'p.content_hash', 'p.ai_summary', 'p.ai_summary_model', 'p.ai_summary_hash'])
          // The predicate of the partial index papers_summary_todo, as written there.
          .where(sql<boolean>`(ai_summary_seen IS NULL OR ai_summary_seen <> content_hash)`)
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('summary_tries as t')
                  .select('t.paper_id')
                  .whereRef('t.paper_id', '=', 'p.id')
                  .where((w) => w.or([w('t.claimed_until', '>', now), w('t.next_try_at', '>', now)])),
              ),
            ),
          )
          .orderBy('p.published_at', 'desc')
          .orderBy('p.id', 'desc')
          .limit(20),
      ).execute();
      if (!rows.length) return null;
      let skipped = 0;
      for (const r of rows) {
        // Only the paper's other fields changed (a new comment): its summary stands, no model call.
        if (r.ai_summary && r.ai_summary_model === model && r.ai_summary_hash === abstractHash(r.abstract)) {
          await q.updateTable('papers').set({ ai_summary_seen: r.content_hash }).where('id', '=', r.id).where('content_hash', '=', r.content_hash).execute();
          skipped++;
          continue;
        }
        // The claim: a new row, or a row nobody holds and no failure makes wait (another worker's
        // claim or backoff leaves it alone, and nothing comes back).
        const got = await q
          .insertInto('summary_tries')
          .values({ paper_id: r.id, claimed_by: owner, claimed_until: new Date(nowMs + SUMMARY_CLAIM_MS).toISOString(), failures: 0 })
          .onConflict((oc) =>
            oc
              .column('paper_id')
              .doUpdateSet((eb) => ({ claimed_by: eb.ref('excluded.claimed_by'), claimed_until: eb.ref('excluded.claimed_until') }))
              .where((eb) =>
                eb.and([
                  eb.or([eb('summary_tries.claimed_until', 'is', null), eb('summary_tries.claimed_until', '<=', now)]),
                  eb.or([eb('summary_tries.next_try_at', 'is', null), eb('summary_tries.next_try_at', '<=', now)]),
                ]),
              ),
          )
          .returning('paper_id')
          .executeTakeFirst();
        if (got) return { id: r.id, title: r.title, abstract: r.abstract, content_hash: r.content_hash };
      }
      // Every candidate was taken by someone else: none free now (the next run looks again).
      if (skipped === 0) return null;
    }
  });
}

/**
 * Papers summarised by another model than `model` (SUMMARY_MODEL changed) are looked at again,
 * newest first; their old sentence shows until then. Returns how many.
 */
export async function redoOtherModels(database: Database, model: string): Promise<number> {
  const r = await database.db
    .updateTable('papers')
    .set({ ai_summary_seen: null })
    .where('ai_summary_model', 'is not', null)
    .where('ai_summary_model', '<>', model)
    .where('ai_summary_seen', 'is not', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Take one unit of the day's budget; false when it is spent. */
async function spendBudget(database: Database, day: string, budget: number): Promise<boolean> {
  const { db } = database;
  await db
    .insertInto('summary_budget')
    .values({ day, used: 0 })
    .onConflict((oc) => oc.column('day').doNothing())
    .execute();
  const r = await db.updateTable('summary_budget').set({ used: sql`used + 1` }).where('day', '=', day).where('used', '<', budget).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Summarise the newest paper that needs it: claim, budget, ask, store (or note the failure). */
export async function summariseNext(database: Database, model: SummaryModel, o: SummariseOptions): Promise<SummariseOutcome> {
  const now = o.now ?? Date.now;
  const { db } = database;
  const paper = await claimNext(database, model.model, o.owner, now());
  if (!paper) return { status: 'idle' };
  const release = async (set: { failures?: number; next_try_at?: string | null; last_error?: string | null }) =>
    db
      .updateTable('summary_tries')
      .set({ claimed_by: null, claimed_until: null, ...set })
      .where('paper_id', '=', paper.id)
      .where('claimed_by', '=', o.owner)
      .execute();
  if (!(await spendBudget(database, new Date(now()).toISOString().slice(0, 10), o.dailyBudget))) {
    // Given back as it was: no row when the paper had no failures to remember.
    await db.deleteFrom('summary_tries').where('paper_id', '=', paper.id).where('claimed_by', '=', o.owner).where('failures', '=', 0).execute();
    await release({});
    return { status: 'budget' };
  }
  let summary: string;
  try {
    summary = await model.summarise(paper);
  } catch (e) {
    const error = (e as Error).message;
    const row = await db.selectFrom('summary_tries').select('failures').where('paper_id', '=', paper.id).executeTakeFirst();
    const failures = Number(row?.failures ?? 0) + 1;
    const wait = Math.min(SUMMARY_RETRY_MS * 2 ** (failures - 1), DAY_MS);
    await release({ failures, next_try_at: new Date(now() + wait).toISOString(), last_error: error.slice(0, 500) });
    return { status: 'failed', paperId: paper.id, error, serverFault: e instanceof SummaryModelError ? e.serverFault : true };
  }
  await db.transaction().execute(async (trx) => {
    // Written only if the paper is still what was sent (a harvest may have changed it meanwhile: then the next run redoes it).
    await trx
      .updateTable('papers')
      .set({ ai_summary: summary, ai_summary_model: model.model, ai_summary_hash: abstractHash(paper.abstract), ai_summary_seen: paper.content_hash })
      .where('id', '=', paper.id)
      .where('content_hash', '=', paper.content_hash)
      .execute();
    await trx.deleteFrom('summary_tries').where('paper_id', '=', paper.id).where('claimed_by', '=', o.owner).execute();
  });
  return { status: 'done', paperId: paper.id, summary };
}

/** Milliseconds from `nowMs` to the next UTC midnight, when the daily budget starts again. */
export function untilNextUtcDay(nowMs: number): number {
  return DAY_MS - (nowMs % DAY_MS);
}
