import type { Database } from '../storage/database.js';
import { toPaper } from '../papers/store.js';
import type { Paper } from '../papers/paper.js';
import type { Period } from './period.js';

// Where a digest's papers come from. Trending: the period's visible submissions (the community
// feed, migration 0004) by upvotes, then hotness. Topics: papers published in the period. Kept behind an
// interface so tests and the benchmark can also run on a plain papers table.

export interface DigestPaper {
  paper: Paper;
  upvotes: number;
  /** For you: why it is there (like "Title" you saved) */
  reason?: string | null;
}

export interface DigestSource {
  /** the period's trending papers, best first */
  trending(period: Period, limit: number): Promise<DigestPaper[]>;
  /** papers first published in the period, newest first */
  newPapers(period: Period): Promise<Paper[]>;
  /** upvote counts of submitted papers (absent: not submitted) */
  upvotes(ids: string[]): Promise<Map<string, number>>;
}

/** Upper bound on a weekly period's candidates for topic matching (arXiv lists ~20k papers a week). */
export const MAX_PERIOD_PAPERS = 50_000;

export function createDigestSource(database: Database): DigestSource {
  const { db } = database;
  return {
    async trending(period, limit) {
      const rows = await db
        .selectFrom('submissions')
        .innerJoin('papers', 'papers.id', 'submissions.paper_id')
        .selectAll('papers')
        .select(['submissions.upvotes as s_upvotes'])
        .where('submissions.feed_day', '>=', period.firstDay)
        .where('submissions.feed_day', '<=', period.lastDay)
        .where('submissions.hidden', '=', 0)
        .orderBy('submissions.upvotes', 'desc')
        .orderBy('submissions.hotness', 'desc')
        .orderBy('submissions.submitted_at')
        .orderBy('papers.id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ paper: toPaper(r), upvotes: Number(r.s_upvotes) }));
    },
    async newPapers(period) {
      const rows = await db
        .selectFrom('papers')
        .selectAll()
        .where('published_at', '>=', period.start)
        .where('published_at', '<', period.end)
        .orderBy('published_at', 'desc')
        .orderBy('id', 'desc')
        .limit(MAX_PERIOD_PAPERS)
        .execute();
      return rows.map(toPaper);
    },
    async upvotes(ids) {
      const out = new Map<string, number>();
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await db
          .selectFrom('submissions')
          .select(['paper_id', 'upvotes'])
          .where('paper_id', 'in', ids.slice(i, i + 500))
          .where('hidden', '=', 0)
          .execute();
        for (const r of rows) out.set(r.paper_id, Number(r.upvotes));
      }
      return out;
    },
  };
}
