import type { Database } from '../storage/database.js';
import type { Schema } from '../storage/schema.js';
import type { Kysely } from 'kysely';
import { CommunityError } from './errors.js';
import { isCurator, type User } from './accounts.js';

// Threaded comments on a paper. Deleting and hiding keep the row (and its replies) and blank it
// on display; submissions.comments_count counts what readers can see.

export const MAX_COMMENT_CHARS = 10_000;
export const MAX_DEPTH = 8;

export interface Comment {
  id: number;
  paperId: string;
  parentId: number | null;
  body: string;
  createdAt: string;
  updatedAt: string;
  deleted: boolean;
  hidden: boolean;
  author: { id: number; username: string; displayName: string | null };
}

export interface CommentNode extends Comment {
  replies: CommentNode[];
}

export interface Comments {
  add(user: User, paperId: string, body: string, parentId?: number | null): Promise<Comment>;
  edit(user: User, commentId: number, body: string): Promise<Comment>;
  remove(user: User, commentId: number): Promise<Comment>;
  setHidden(user: User, commentId: number, hidden: boolean): Promise<Comment>;
  get(commentId: number): Promise<Comment | null>;
  /** every comment of a paper as a tree, oldest first at each level */
  thread(paperId: string): Promise<CommentNode[]>;
  count(paperId: string): Promise<number>;
}

function checkBody(body: string): string {
  const b = body.replace(/\r\n?/g, '\n').trim();
  if (!b) throw new CommunityError(400, 'a comment cannot be empty');
  if (b.length > MAX_COMMENT_CHARS) throw new CommunityError(400, `a comment has at most ${MAX_COMMENT_CHARS.toLocaleString('en-US')} characters`);
  return b;
}

async function recount(trx: Kysely<Schema>, paperId: string): Promise<void> {
  const row = await trx
    .selectFrom('comments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('paper_id', '=', paperId)
    .where('deleted', '=', 0)
    .where('hidden', '=', 0)
    .executeTakeFirstOrThrow();
  await trx
    .updateTable('submissions')
    .set({ comments_count: Number(row.n) })
    .where('paper_id', '=', paperId)
    .execute();
}

export function createComments(database: Database, now: () => Date = () => new Date()): Comments {
  const { db } = database;
  const select = () =>
    db.selectFrom('comments').innerJoin('users', 'users.id', 'comments.user_id').selectAll('comments').select(['users.username', 'users.display_name']);
  type Row = Awaited<ReturnType<ReturnType<typeof select>['executeTakeFirstOrThrow']>>;
  const toComment = (r: Row): Comment => ({
    id: Number(r.id),
    paperId: r.paper_id,
    parentId: r.parent_id === null ? null : Number(r.parent_id),
    body: r.body,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deleted: Number(r.deleted) === 1,
    hidden: Number(r.hidden) === 1,
    author: { id: Number(r.user_id), username: r.username, displayName: r.display_name },
  });
  const get = async (id: number) => {
    const r = await select().where('comments.id', '=', id).executeTakeFirst();
    return r ? toComment(r) : null;
  };
  const mustGet = async (id: number) => {
    const c = await get(id);
    if (!c) throw new CommunityError(404, `comment ${id} does not exist`);
    return c;
  };
  const depth = async (id: number | null): Promise<number> => {
    let d = 0;
    while (id !== null && d <= MAX_DEPTH) {
      const r = await db.selectFrom('comments').select('parent_id').where('id', '=', id).executeTakeFirst();
      id = r?.parent_id === null || r?.parent_id === undefined ? null : Number(r.parent_id);
      d++;
    }
    return d;
  };
  return {
    async add(user, paperId, body, parentId = null) {
      const text = checkBody(body);
      const paper = await db.selectFrom('papers').select('id').where('id', '=', paperId).executeTakeFirst();
      if (!paper) throw new CommunityError(404, `arXiv:${paperId} is not in this instance`);
      if (parentId !== null) {
        const parent = await db.selectFrom('comments').select(['paper_id', 'deleted']).where('id', '=', parentId).executeTakeFirst();
        if (!parent || parent.paper_id !== paperId) throw new CommunityError(400, 'the comment you reply to is not on this paper');
        if ((await depth(parentId)) >= MAX_DEPTH) throw new CommunityError(400, `replies nest at most ${MAX_DEPTH} deep; reply higher up the thread`);
      }
      const t = now().toISOString();
      const id = await db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('comments')
          .values({ paper_id: paperId, user_id: user.id, parent_id: parentId, body: text, created_at: t, updated_at: t })
          .returning('id')
          .executeTakeFirstOrThrow();
        await recount(trx, paperId);
        return Number(row.id);
      });
      return mustGet(id);
    },
    async edit(user, commentId, body) {
      const c = await mustGet(commentId);
      if (c.author.id !== user.id) throw new CommunityError(403, 'you can edit only your own comments');
      if (c.deleted) throw new CommunityError(409, 'a deleted comment cannot be edited');
      await db
        .updateTable('comments')
        .set({ body: checkBody(body), updated_at: now().toISOString() })
        .where('id', '=', commentId)
        .execute();
      return mustGet(commentId);
    },
    async remove(user, commentId) {
      const c = await mustGet(commentId);
      if (c.author.id !== user.id) throw new CommunityError(403, 'you can delete only your own comments');
      await db.transaction().execute(async (trx) => {
        // The text goes; the row stays so that replies keep their place in the thread.
        await trx.updateTable('comments').set({ deleted: 1, body: '', updated_at: now().toISOString() }).where('id', '=', commentId).execute();
        await recount(trx, c.paperId);
      });
      return mustGet(commentId);
    },
    async setHidden(user, commentId, hidden) {
      if (!isCurator(user)) throw new CommunityError(403, 'only curators can hide comments');
      const c = await mustGet(commentId);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('comments')
          .set({ hidden: hidden ? 1 : 0 })
          .where('id', '=', commentId)
          .execute();
        await recount(trx, c.paperId);
      });
      return mustGet(commentId);
    },
    get,
    async thread(paperId) {
      const rows = await select().where('comments.paper_id', '=', paperId).orderBy('comments.created_at').orderBy('comments.id').execute();
      const nodes = new Map<number, CommentNode>();
      const roots: CommentNode[] = [];
      for (const r of rows) nodes.set(Number(r.id), { ...toComment(r), replies: [] });
      for (const n of nodes.values()) {
        const parent = n.parentId === null ? undefined : nodes.get(n.parentId);
        (parent ? parent.replies : roots).push(n);
      }
      return roots;
    },
    async count(paperId) {
      const row = await db
        .selectFrom('comments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('paper_id', '=', paperId)
        .where('deleted', '=', 0)
        .where('hidden', '=', 0)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
