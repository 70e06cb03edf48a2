// JSON shapes of the API. Field names follow the hosted Daily Papers API
// (../shared/data/hf-daily-papers/), so clients written for it work here; database rows never
// reach a response: every field is chosen here.
import type { Paper } from '../../papers/paper.js';
import type { DailyEntry, Submitter } from '../../feed/daily.js';
import type { Submission } from '../../community/submissions.js';
import type { VoteResult } from '../../community/votes.js';
import { paperKeywords } from '../../papers/keywords.js';
import { thumbnailName } from '../../ingest/thumbnails.js';
import { paperSummary } from '../../papers/summary.js';

export interface ApiUser {
  _id: string;
  /** username */
  name: string;
  fullname: string;
  type: 'user';
  avatarUrl: string | null;
}

export interface ApiAuthor {
  _id: string;
  name: string;
  hidden: boolean;
}

export interface ApiPaper {
  id: string;
  title: string;
  summary: string;
  authors: ApiAuthor[];
  publishedAt: string;
  updatedAt: string;
  categories: string[];
  upvotes: number;
  discussionId: string;
  githubRepo: string | null;
  projectPage: string | null;
  /** GitHub stars of githubRepo (the last daily count; null when not counted) */
  githubStars: number | null;
  /** every code and project link found in the paper's abstract and comment */
  codeLinks: { url: string; kind: string }[];
  /** one sentence on what the paper does: a language model's (SUMMARY_URL), else chosen from its abstract; see ai_summary_model */
  ai_summary: string | null;
  /** the model that wrote ai_summary; "extractive": the abstract's own sentence that states the contribution */
  ai_summary_model: string | null;
  /** 3-8 key phrases from the paper's title and abstract (no model: rarity across papers, use, the title) */
  ai_keywords: string[];
  submittedOnDailyAt: string | null;
  submittedOnDailyBy: ApiUser | null;
}

export interface ApiDailyPaper {
  paper: ApiPaper;
  publishedAt: string;
  title: string;
  summary: string;
  numComments: number;
  submittedBy: ApiUser | null;
  /** copies of paper.githubRepo / paper.projectPage, for clients that read them at the top */
  githubRepo: string | null;
  projectPage: string | null;
  githubStars: number | null;
  /** the submitter's note */
  comment: string | null;
  /** THUMBNAILS: the absolute URL of page 1 of the PDF, drawn small; null when not drawn (yet) or off */
  thumbnail: string | null;
  /** the feed day (YYYY-MM-DD, FEED_TIMEZONE) it was featured on; null for a search hit never featured */
  feedDay: string | null;
  mediaUrls: string[];
  isAuthorParticipating: boolean;
}

export function presentUser(u: Submitter): ApiUser {
  return { _id: String(u.id), name: u.username, fullname: u.displayName ?? u.username, type: 'user', avatarUrl: null };
}

/** A paper, with its feed data when it was submitted (`githubStars`: the count of a paper never featured). */
export function presentPaper(p: Paper, entry: DailyEntry | null, githubStars: number | null = null): ApiPaper {
  return {
    id: p.id,
    title: p.title,
    summary: p.abstract,
    // Authors have no accounts of their own; a stable id from the paper and position stands in.
    authors: p.authors.map((name, i) => ({ _id: `${p.id}#${i + 1}`, name, hidden: false })),
    publishedAt: p.publishedAt,
    updatedAt: p.updatedAt,
    categories: p.categories,
    upvotes: entry?.upvotes ?? 0,
    discussionId: p.id,
    githubRepo: entry?.githubRepo ?? p.githubRepo,
    projectPage: entry?.projectPage ?? p.projectPage,
    githubStars: entry ? entry.githubStars : githubStars,
    codeLinks: p.codeLinks ?? [],
    ...summaryOf(p),
    ai_keywords: paperKeywords(p),
    submittedOnDailyAt: entry?.submittedAt ?? null,
    submittedOnDailyBy: entry?.submitter ? presentUser(entry.submitter) : null,
  };
}

/** The paper's one-line summary: the language model's stored sentence, else the abstract's own (chosen when asked for). */
function summaryOf(p: Paper): Pick<ApiPaper, 'ai_summary' | 'ai_summary_model'> {
  const s = paperSummary(p);
  return { ai_summary: s?.text ?? null, ai_summary_model: s?.model ?? null };
}

export function presentDailyPaper(e: DailyEntry, thumbnail: string | null = null): ApiDailyPaper {
  return presentPaperItem(e.paper, e, thumbnail);
}

/** The absolute URL of a paper's drawn thumbnail (src/web/pages/thumbnail-show.ts), or null. */
export function thumbnailUrl(baseUrl: string, id: string, drawn: Map<string, unknown> | undefined): string | null {
  return drawn?.has(id) ? `${baseUrl}/thumbnails/${thumbnailName(id)}` : null;
}

/**
 * Any paper in the daily papers item shape (search results, similar papers), so clients of the
 * hosted API read them alike; the feed fields are empty for a paper that was never featured.
 */
export function presentPaperItem(p: Paper, e: DailyEntry | null, thumbnail: string | null = null): ApiDailyPaper {
  const paper = presentPaper(p, e);
  return {
    paper,
    publishedAt: p.publishedAt,
    title: p.title,
    summary: p.abstract,
    numComments: e?.commentsCount ?? 0,
    submittedBy: paper.submittedOnDailyBy,
    githubRepo: paper.githubRepo,
    projectPage: paper.projectPage,
    githubStars: paper.githubStars,
    comment: e?.comment ?? null,
    thumbnail,
    feedDay: e?.feedDay ?? null,
    mediaUrls: [],
    isAuthorParticipating: false,
  };
}

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
