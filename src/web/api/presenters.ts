import type { Submission } from '../../community/submissions.js';
import type { VoteResult } from '../../community/votes.js';

// JSON shapes of the community API, in the field style of the hosted original's API
// (camelCase, paper ids as plain arXiv ids).

export function presentSubmission(s: Submission, submitter: { username: string } | null) {
  return {
    paper: { id: s.paperId, upvotes: s.upvotes },
    feedDay: s.feedDay,
    submittedOnDailyAt: s.submittedAt,
    submittedBy: submitter ? { user: submitter.username } : null,
    comment: s.comment,
    githubRepo: s.githubRepo,
    projectPage: s.projectPage,
    numComments: s.commentsCount,
  };
}

export function presentVote(v: VoteResult) {
  return { paper: { id: v.paperId, upvotes: v.upvotes }, upvoted: v.voted };
}
