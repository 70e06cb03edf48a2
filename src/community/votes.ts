import type { Transaction } from 'kysely';
import type { Database } from '../storage/database.js';
import type { Schema } from '../storage/schema.js';
import { hotness } from '../feed/hotness.js';
import { CommunityError } from './errors.js';

// Upvotes: one per member per paper. Any paper in the store can be upvoted; when it is featured,
// the submission's count and hotness change in the same transaction as the vote.

export interface VoteResult {
  paperId: string;
  upvotes: number;
  voted: boolean;
}

export interface Votes {
  /** idempotent: a second upvote by the same member changes nothing */
  upvote(userId: number, paperId: string): Promise<VoteResult>;
  /** idempotent too */
  unvote(userId: number, paperId: string): Promise<VoteResult>;
  count(paperId: string): Promise<number>;
  hasVoted(userId: number, paperId: string): Promise<boolean>;
  /** which of paperIds this member has upvoted (for rendering many cards at once) */
  votedAmong(userId: number, paperIds: string[]): Promise<Set<string>>;
  listUpvotedBy(userId: number, limit?: number): Promise<string[]>;
  /** upvotes of each of paperIds that has any (cards of papers never featured, e.g. on /for-you) */
  countMany(paperIds: string[]): Promise<Map<string, number>>;
}

/**
 * A vote added (+1) or taken back (-1) on the paper's submission, if it is featured: its count and
 * hotness, in the caller's transaction. Incremented in place (not a recount) so concurrent votes on
 * PostgreSQL each count once: the row lock orders them. Never below 0.
 */
export async function countOnSubmission(trx: Transaction<Schema>, paperId: string, delta: 1 | -1): Promise<void> {
  const sub = await trx
    .updateTable('submissions')
    .set((eb) => ({ upvotes: eb('upvotes', delta > 0 ? '+' : '-', 1) }))
    .where('paper_id', '=', paperId)
    .$if(delta < 0, (q) => q.where('upvotes', '>', 0))
    .returning(['upvotes', 'submitted_at'])
    .executeTakeFirst();
  if (sub)
    await trx
      .updateTable('submissions')
      .set({ hotness: hotness(Number(sub.upvotes), sub.submitted_at) })
      .where('paper_id', '=', paperId)
      .execute();
}

export function createVotes(database: Database, now: () => Date = () => new Date()): Votes {
  const { db } = database;
  const change = async (userId: number, paperId: string, add: boolean): Promise<VoteResult> =>
    db.transaction().execute(async (trx) => {
      const paper = await trx.selectFrom('papers').select('id').where('id', '=', paperId).executeTakeFirst();
      if (!paper) throw new CommunityError(404, `arXiv:${paperId} is not in this instance`);
      let changed: boolean;
      if (add) {
        const r = await trx
          .insertInto('upvotes')
          .values({ paper_id: paperId, user_id: userId, created_at: now().toISOString() })
          .onConflict((oc) => oc.columns(['paper_id', 'user_id']).doNothing())
          .executeTakeFirst();
        changed = Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
      } else {
        const r = await trx.deleteFrom('upvotes').where('paper_id', '=', paperId).where('user_id', '=', userId).executeTakeFirst();
        changed = Number(r.numDeletedRows) > 0;
      }
      if (changed) await countOnSubmission(trx, paperId, add ? 1 : -1);
      const count = await trx
        .selectFrom('upvotes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('paper_id', '=', paperId)
        .executeTakeFirstOrThrow();
      return { paperId, upvotes: Number(count.n), voted: add };
    });
  return {
    upvote: (userId, paperId) => change(userId, paperId, true),
    unvote: (userId, paperId) => change(userId, paperId, false),
    async count(paperId) {
      const row = await db
        .selectFrom('upvotes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('paper_id', '=', paperId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async hasVoted(userId, paperId) {
      return !!(await db.selectFrom('upvotes').select('paper_id').where('paper_id', '=', paperId).where('user_id', '=', userId).executeTakeFirst());
    },
    async votedAmong(userId, paperIds) {
      if (!paperIds.length) return new Set();
      const rows = await db.selectFrom('upvotes').select('paper_id').where('user_id', '=', userId).where('paper_id', 'in', paperIds).execute();
      return new Set(rows.map((r) => r.paper_id));
    },
    async listUpvotedBy(userId, limit = 50) {
      const rows = await db.selectFrom('upvotes').select('paper_id').where('user_id', '=', userId).orderBy('created_at', 'desc').limit(limit).execute();
      return rows.map((r) => r.paper_id);
    },
    async countMany(paperIds) {
      const out = new Map<string, number>();
      if (!paperIds.length) return out;
      const rows = await db
        .selectFrom('upvotes')
        .select(['paper_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('paper_id', 'in', paperIds)
        .groupBy('paper_id')
        .execute();
      for (const r of rows) out.set(r.paper_id, Number(r.n));
      return out;
    },
  };
}
