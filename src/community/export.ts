import type { Database } from '../storage/database.js';

// What the community keeps of one member, for /account/export: their account, API tokens (names
// and dates; the hashes stay), submissions, upvotes, comments and author claims. Other rooms add
// theirs (For-you signals, the digest subscription) beside it in the export.

export interface CommunityExport {
  account: { id: number; email: string; username: string; displayName: string | null; role: string; createdAt: string };
  apiTokens: { name: string; createdAt: string; lastUsedAt: string | null }[];
  submissions: { paperId: string; feedDay: string; submittedAt: string; comment: string | null; githubRepo: string | null; projectPage: string | null }[];
  upvotes: { paperId: string; createdAt: string }[];
  comments: { id: number; paperId: string; parentId: number | null; body: string; createdAt: string; updatedAt: string; deleted: boolean }[];
  authorClaims: { paperId: string; authorIndex: number; authorName: string; status: string; createdAt: string }[];
}

export async function exportMember(database: Database, userId: number): Promise<CommunityExport | null> {
  const { db } = database;
  const u = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!u) return null;
  const [tokens, subs, votes, comments, claims] = await Promise.all([
    db.selectFrom('api_tokens').select(['name', 'created_at', 'last_used_at']).where('user_id', '=', userId).orderBy('created_at').execute(),
    db.selectFrom('submissions').selectAll().where('submitted_by', '=', userId).orderBy('submitted_at').execute(),
    db.selectFrom('upvotes').select(['paper_id', 'created_at']).where('user_id', '=', userId).orderBy('created_at').execute(),
    db.selectFrom('comments').selectAll().where('user_id', '=', userId).orderBy('created_at').execute(),
    db.selectFrom('author_claims').selectAll().where('user_id', '=', userId).orderBy('created_at').execute(),
  ]);
  return {
    account: { id: Number(u.id), email: u.email, username: u.username, displayName: u.display_name, role: u.role, createdAt: u.created_at },
    apiTokens: tokens.map((t) => ({ name: t.name, createdAt: t.created_at, lastUsedAt: t.last_used_at })),
    submissions: subs.map((s) => ({
      paperId: s.paper_id,
      feedDay: s.feed_day,
      submittedAt: s.submitted_at,
      comment: s.comment,
      githubRepo: s.github_repo,
      projectPage: s.project_page,
    })),
    upvotes: votes.map((v) => ({ paperId: v.paper_id, createdAt: v.created_at })),
    comments: comments.map((c) => ({
      id: Number(c.id),
      paperId: c.paper_id,
      parentId: c.parent_id === null ? null : Number(c.parent_id),
      body: c.body,
      createdAt: c.created_at,
      updatedAt: c.updated_at,
      deleted: Number(c.deleted) === 1,
    })),
    authorClaims: claims.map((c) => ({
      paperId: c.paper_id,
      authorIndex: Number(c.author_index),
      authorName: c.author_name,
      status: c.status,
      createdAt: c.created_at,
    })),
  };
}
