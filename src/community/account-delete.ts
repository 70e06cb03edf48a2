import type { Database } from '../storage/database.js';
import { countOnSubmission } from './votes.js';

// Deleting an account (issue #26, "deleting the account removes it"): the users row goes, and with it,
// by the schema's ON DELETE CASCADE, everything private of the member: sessions, API tokens, upvotes,
// reader signals (saves, dismissals, imports), collections and their papers, follows, author claims.
// What the cascade does not reach is done here, in the same transaction:
// - upvotes: each featured paper's count and hotness lose the member's vote (as an unvote does);
// - comments are the member's words and go with the account; other members' replies to them stay,
//   moved up to the nearest comment that stays (or to the top level);
// - other members' follows of this member (stored by user id) go;
// - the digest subscription of the member's address, and its unused sign-in links, go;
// - submissions the member made stay on the feed, without a submitter (submitted_by is SET NULL);
//   claims they decided as a curator stay, without the curator (decided_by is SET NULL).
// Whatever a process keeps in memory (the For-you model) the caller forgets.

/** Deletes the member and their data; false when there was no such member. */
export async function deleteAccount(database: Database, userId: number): Promise<boolean> {
  const { db } = database;
  return db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').select(['id', 'email']).where('id', '=', userId).executeTakeFirst();
    if (!user) return false;
    const voted = await trx.selectFrom('upvotes').select('paper_id').where('user_id', '=', userId).execute();
    await trx.deleteFrom('upvotes').where('user_id', '=', userId).execute();
    for (const { paper_id } of voted) await countOnSubmission(trx, paper_id, -1);
    const own = await trx.selectFrom('comments').select(['id', 'parent_id']).where('user_id', '=', userId).execute();
    if (own.length) {
      const parentOf = new Map(own.map((c) => [Number(c.id), c.parent_id === null ? null : Number(c.parent_id)]));
      const staying = (id: number | null): number | null => {
        let at = id;
        while (at !== null && parentOf.has(at)) at = parentOf.get(at)!;
        return at;
      };
      const ids = [...parentOf.keys()];
      for (let i = 0; i < ids.length; i += 500) {
        const replies = await trx
          .selectFrom('comments')
          .select(['id', 'parent_id'])
          .where('parent_id', 'in', ids.slice(i, i + 500))
          .where('user_id', '!=', userId)
          .execute();
        for (const r of replies)
          await trx
            .updateTable('comments')
            .set({ parent_id: staying(Number(r.parent_id)) })
            .where('id', '=', r.id)
            .execute();
      }
      await trx.deleteFrom('comments').where('user_id', '=', userId).execute();
    }
    await trx.deleteFrom('follows').where('kind', '=', 'member').where('value', '=', String(userId)).execute();
    await trx.deleteFrom('digest_subscribers').where('email', '=', user.email).execute();
    await trx.deleteFrom('login_tokens').where('email', '=', user.email).execute();
    await trx.deleteFrom('users').where('id', '=', userId).execute();
    return true;
  });
}
