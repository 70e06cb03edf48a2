import type { Database } from '../storage/database.js';
import { hotness } from '../feed/hotness.js';

// Builders for feed tests: rows written straight into the community tables, so feed tests do
// not depend on the sign-in and voting code. Real activity goes through the community store.

export async function addUser(database: Database, username: string, displayName: string | null = null): Promise<number> {
  const row = await database.db
    .insertInto('users')
    .values({ email: `${username}@example.test`, username, display_name: displayName, role: 'member', created_at: '2026-01-01T00:00:00.000Z' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export interface SubmissionFixture {
  paperId: string;
  feedDay: string;
  submittedBy?: number | null;
  /** default: noon UTC on the feed day */
  submittedAt?: string;
  upvotes?: number;
  commentsCount?: number;
  hidden?: boolean;
  githubRepo?: string | null;
  projectPage?: string | null;
  comment?: string | null;
}

export async function addSubmission(database: Database, s: SubmissionFixture): Promise<void> {
  const submittedAt = s.submittedAt ?? `${s.feedDay}T12:00:00.000Z`;
  const upvotes = s.upvotes ?? 0;
  await database.db
    .insertInto('submissions')
    .values({
      paper_id: s.paperId,
      feed_day: s.feedDay,
      submitted_by: s.submittedBy ?? null,
      submitted_at: submittedAt,
      comment: s.comment ?? null,
      github_repo: s.githubRepo ?? null,
      project_page: s.projectPage ?? null,
      upvotes,
      comments_count: s.commentsCount ?? 0,
      hotness: hotness(upvotes, submittedAt),
      hidden: s.hidden ? 1 : 0,
    })
    .execute();
}
