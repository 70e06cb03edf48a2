import type { Database } from '../storage/database.js';
import { CommunityError } from './errors.js';
import { isCurator, type User } from './accounts.js';

// Author claims: a signed-in member says "I am author #i of this paper"; a curator approves or
// rejects. Approved claims list the paper on the member's profile.

export type ClaimStatus = 'pending' | 'approved' | 'rejected';

export interface Claim {
  id: number;
  paperId: string;
  authorIndex: number;
  authorName: string;
  status: ClaimStatus;
  createdAt: string;
  user: { id: number; username: string };
}

export interface Claims {
  claim(user: User, paperId: string, authorIndex: number): Promise<Claim>;
  decide(curator: User, claimId: number, approve: boolean): Promise<Claim>;
  forPaper(paperId: string): Promise<Claim[]>;
  forUser(userId: number, status?: ClaimStatus): Promise<Claim[]>;
  pending(limit?: number): Promise<Claim[]>;
}

export function createClaims(database: Database, now: () => Date = () => new Date()): Claims {
  const { db } = database;
  const select = () =>
    db
      .selectFrom('author_claims')
      .innerJoin('users', 'users.id', 'author_claims.user_id')
      .select([
        'author_claims.id',
        'author_claims.paper_id',
        'author_claims.author_index',
        'author_claims.author_name',
        'author_claims.status',
        'author_claims.created_at',
        'author_claims.user_id',
        'users.username',
      ]);
  type Row = Awaited<ReturnType<ReturnType<typeof select>['executeTakeFirstOrThrow']>>;
  const toClaim = (r: Row): Claim => ({
    id: Number(r.id),
    paperId: r.paper_id,
    authorIndex: Number(r.author_index),
    authorName: r.author_name,
    status: r.status,
    createdAt: r.created_at,
    user: { id: Number(r.user_id), username: r.username },
  });
  const get = async (id: number) => {
    const r = await select().where('author_claims.id', '=', id).executeTakeFirst();
    if (!r) throw new CommunityError(404, `claim ${id} does not exist`);
    return toClaim(r);
  };
  return {
    async claim(user, paperId, authorIndex) {
      const paper = await db.selectFrom('papers').select(['authors']).where('id', '=', paperId).executeTakeFirst();
      if (!paper) throw new CommunityError(404, `arXiv:${paperId} is not in this instance`);
      const authors = JSON.parse(paper.authors) as string[];
      if (!Number.isInteger(authorIndex) || authorIndex < 0 || authorIndex >= authors.length)
        throw new CommunityError(400, `arXiv:${paperId} has no author number ${authorIndex + 1}`);
      const taken = await db
        .selectFrom('author_claims')
        .select(['user_id', 'status'])
        .where('paper_id', '=', paperId)
        .where((eb) =>
          eb.or([eb('author_index', '=', authorIndex).and('status', '=', 'approved'), eb('user_id', '=', user.id).and('status', '!=', 'rejected')]),
        )
        .executeTakeFirst();
      if (taken) {
        throw new CommunityError(
          409,
          Number(taken.user_id) === user.id ? 'you have already claimed an author of this paper' : `${authors[authorIndex]} has already been claimed`,
        );
      }
      const row = await db
        .insertInto('author_claims')
        .values({
          paper_id: paperId,
          author_index: authorIndex,
          author_name: authors[authorIndex],
          user_id: user.id,
          created_at: now().toISOString(),
          decided_by: null,
          decided_at: null,
        })
        .onConflict((oc) =>
          oc
            .columns(['paper_id', 'author_index', 'user_id'])
            .doUpdateSet({ status: 'pending', created_at: now().toISOString(), decided_by: null, decided_at: null }),
        )
        .returning('id')
        .executeTakeFirstOrThrow();
      return get(Number(row.id));
    },
    async decide(curator, claimId, approve) {
      if (!isCurator(curator)) throw new CommunityError(403, 'only curators can approve author claims');
      const c = await get(claimId);
      if (approve) {
        const other = await db
          .selectFrom('author_claims')
          .select('id')
          .where('paper_id', '=', c.paperId)
          .where('author_index', '=', c.authorIndex)
          .where('status', '=', 'approved')
          .where('id', '!=', claimId)
          .executeTakeFirst();
        if (other) throw new CommunityError(409, `${c.authorName} is already claimed by someone else`);
      }
      await db
        .updateTable('author_claims')
        .set({ status: approve ? 'approved' : 'rejected', decided_by: curator.id, decided_at: now().toISOString() })
        .where('id', '=', claimId)
        .execute();
      return get(claimId);
    },
    async forPaper(paperId) {
      return (await select().where('author_claims.paper_id', '=', paperId).orderBy('author_claims.id').execute()).map(toClaim);
    },
    async forUser(userId, status) {
      let q = select().where('author_claims.user_id', '=', userId);
      if (status) q = q.where('author_claims.status', '=', status);
      return (await q.orderBy('author_claims.id', 'desc').execute()).map(toClaim);
    },
    async pending(limit = 100) {
      return (await select().where('author_claims.status', '=', 'pending').orderBy('author_claims.created_at').limit(limit).execute()).map(toClaim);
    },
  };
}
