import type { Selectable } from 'kysely';
import type { Database } from '../storage/database.js';
import type { SubmissionsTable } from '../storage/schema.js';
import type { PaperStore } from '../papers/store.js';
import type { PaperRecord } from '../papers/paper.js';
import { parseArxivId } from '../papers/arxiv-id.js';
import { hotness } from '../feed/hotness.js';
import { CommunityError } from './errors.js';
import { feedDay, isWeekend } from '../feed/feed-day.js';
import type { User } from './accounts.js';

// Submissions put a paper into the daily feed. Each rule is a setting with its own message.

/**
 * Fetches a paper that is not in the store yet, by canonical arXiv id (the harvest client plugs
 * in here); null when arXiv does not know it; throws PaperSourceUnavailable when arXiv could not
 * be asked (no answer, errors) within the few seconds a person waits on a form.
 */
export type PaperFetcher = (arxivId: string) => Promise<PaperRecord | null>;

export class PaperSourceUnavailable extends Error {}

/** Retry-After of a submission that found arXiv unreachable. */
const SOURCE_RETRY_AFTER_S = 60;

export interface SubmissionRules {
  feedTimezone: string;
  /** submissions close this many days after arXiv publication */
  maxAgeDays: number;
  /** submissions per member per feed day */
  dailyCap: number;
  /** whether submissions are open on Saturdays and Sundays (in feedTimezone) */
  weekends: boolean;
}

export interface Submission {
  paperId: string;
  feedDay: string;
  submittedBy: number | null;
  submittedAt: string;
  comment: string | null;
  githubRepo: string | null;
  projectPage: string | null;
  upvotes: number;
  commentsCount: number;
  hotness: number;
  hidden: boolean;
}

export interface SubmitInput {
  /** arXiv id in any form, or an arxiv.org abs/pdf URL */
  paper: string;
  comment?: string | null;
  githubRepo?: string | null;
  projectPage?: string | null;
}

export function toSubmission(r: Selectable<SubmissionsTable>): Submission {
  return {
    paperId: r.paper_id,
    feedDay: r.feed_day,
    submittedBy: r.submitted_by === null ? null : Number(r.submitted_by),
    submittedAt: r.submitted_at,
    comment: r.comment,
    githubRepo: r.github_repo,
    projectPage: r.project_page,
    upvotes: Number(r.upvotes),
    commentsCount: Number(r.comments_count),
    hotness: Number(r.hotness),
    hidden: Number(r.hidden) === 1,
  };
}

/** An optional http(s) link typed by a member: trimmed, at most 500 characters, else an error. */
export function optionalHttpUrl(value: string | null | undefined, label: string): string | null {
  const v = (value ?? '').trim();
  if (!v) return null;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new CommunityError(400, `the ${label} "${v.slice(0, 80)}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CommunityError(400, `the ${label} must be an http:// or https:// link`);
  if (v.length > 500) throw new CommunityError(400, `the ${label} is longer than 500 characters`);
  return u.toString();
}

export interface Submissions {
  submit(user: User, input: SubmitInput): Promise<Submission>;
  get(paperId: string): Promise<Submission | null>;
  /** curators unfeature (hide) or feature again */
  setHidden(actor: User, paperId: string, hidden: boolean): Promise<void>;
  listBySubmitter(userId: number, limit?: number): Promise<Submission[]>;
  countToday(userId: number): Promise<number>;
}

export function createSubmissions(
  database: Database,
  papers: PaperStore,
  rules: SubmissionRules,
  options: { now?: () => Date; fetcher?: PaperFetcher } = {},
): Submissions {
  const { db } = database;
  const now = options.now ?? (() => new Date());
  const countOn = async (userId: number, day: string) => {
    const row = await db
      .selectFrom('submissions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('submitted_by', '=', userId)
      .where('feed_day', '=', day)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  return {
    async submit(user, input) {
      const ref = parseArxivId(input.paper.trim());
      if (!ref) throw new CommunityError(400, `"${input.paper.slice(0, 80)}" is not an arXiv id or arXiv URL`);
      const comment = (input.comment ?? '').trim() || null;
      if (comment && comment.length > 2000) throw new CommunityError(400, 'the comment is longer than 2,000 characters');
      const githubRepo = optionalHttpUrl(input.githubRepo, 'GitHub repository');
      const projectPage = optionalHttpUrl(input.projectPage, 'project page');
      const at = now();
      const day = feedDay(at, rules.feedTimezone);
      if (!rules.weekends && isWeekend(at, rules.feedTimezone)) {
        throw new CommunityError(422, 'submissions are closed on weekends on this instance; come back on Monday');
      }
      let paper = await papers.get(ref.id);
      if (!paper && options.fetcher) {
        const record = await options.fetcher(ref.id).catch((e: Error) => {
          if (!(e instanceof PaperSourceUnavailable)) throw e;
          throw new CommunityError(
            503,
            `arXiv could not be reached to fetch arXiv:${ref.id} (this instance has not harvested it yet); try again in a few minutes`,
            SOURCE_RETRY_AFTER_S,
          );
        });
        if (!record) throw new CommunityError(404, `arXiv has no paper arXiv:${ref.id}; check the id`);
        await papers.upsertMany([record]);
        paper = await papers.get(ref.id);
      }
      if (!paper) throw new CommunityError(404, `arXiv:${ref.id} is not in this instance yet; it can be submitted once it has been harvested`);
      const already = await db.selectFrom('submissions').select(['feed_day']).where('paper_id', '=', ref.id).executeTakeFirst();
      if (already) throw new CommunityError(409, `arXiv:${ref.id} was already featured on ${already.feed_day}; a paper is featured once`);
      const ageDays = (at.getTime() - Date.parse(paper.publishedAt)) / 86_400_000;
      if (ageDays > rules.maxAgeDays) {
        throw new CommunityError(
          422,
          `submissions for arXiv:${ref.id} closed ${rules.maxAgeDays} days after its publication on arXiv (${paper.publishedAt.slice(0, 10)})`,
        );
      }
      // The demo's system account seeds several days of activity, so it is not capped.
      if (user.role !== 'system' && (await countOn(user.id, day)) >= rules.dailyCap) {
        throw new CommunityError(429, `you have submitted ${rules.dailyCap} papers today (${day}), the daily limit; try again tomorrow`);
      }
      const submittedAt = at.toISOString();
      const row = {
        paper_id: ref.id,
        feed_day: day,
        submitted_by: user.id,
        submitted_at: submittedAt,
        comment,
        github_repo: githubRepo,
        project_page: projectPage,
        upvotes: 0,
        comments_count: 0,
        hotness: hotness(0, submittedAt),
        hidden: 0,
      };
      await db.transaction().execute(async (trx) => {
        // Upvotes given before the paper was featured count from the start.
        const votes = await trx
          .selectFrom('upvotes')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('paper_id', '=', ref.id)
          .executeTakeFirstOrThrow();
        row.upvotes = Number(votes.n);
        row.hotness = hotness(row.upvotes, submittedAt);
        const inserted = await trx
          .insertInto('submissions')
          .values(row)
          .onConflict((oc) => oc.column('paper_id').doNothing())
          .returning('paper_id')
          .executeTakeFirst();
        if (!inserted) throw new CommunityError(409, `arXiv:${ref.id} was just featured by someone else; a paper is featured once`);
        // The submitter's links show on the paper wherever it appears, unless it has some already.
        if (githubRepo) await trx.updateTable('papers').set({ github_repo: githubRepo }).where('id', '=', ref.id).where('github_repo', 'is', null).execute();
        if (projectPage)
          await trx.updateTable('papers').set({ project_page: projectPage }).where('id', '=', ref.id).where('project_page', 'is', null).execute();
      });
      return toSubmission({ ...row });
    },
    async get(paperId) {
      const r = await db.selectFrom('submissions').selectAll().where('paper_id', '=', paperId).executeTakeFirst();
      return r ? toSubmission(r) : null;
    },
    async setHidden(actor, paperId, hidden) {
      if (actor.role !== 'curator' && actor.role !== 'admin') throw new CommunityError(403, 'only curators can feature or unfeature papers');
      const res = await db
        .updateTable('submissions')
        .set({ hidden: hidden ? 1 : 0 })
        .where('paper_id', '=', paperId)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw new CommunityError(404, `arXiv:${paperId} has not been submitted`);
    },
    async listBySubmitter(userId, limit = 50) {
      const rows = await db.selectFrom('submissions').selectAll().where('submitted_by', '=', userId).orderBy('submitted_at', 'desc').limit(limit).execute();
      return rows.map(toSubmission);
    },
    countToday(userId) {
      return countOn(userId, feedDay(now(), rules.feedTimezone));
    },
  };
}
