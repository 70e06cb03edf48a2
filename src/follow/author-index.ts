import type { Database } from '../storage/database.js';
import { feedOrigin, feedPosition, FEED_START, readChanges, type FeedPosition, type PaperChange } from '../search/lexical/change-feed.js';
import { toPaper } from '../papers/store.js';
import type { Paper } from '../papers/paper.js';
import { authorKey, authorKeys } from './author-name.js';

// The author-name index (migration 0018): author_keys holds each paper's author keys, filled from
// the papers' change feed, so every write path (import, harvest, /submit's fetch) is covered and
// a changed author list replaces the paper's keys. The first catch-up reads the feed from 0: the
// backfill of the papers that were there before the migration. The worker's `author-index` job
// keeps it caught up (src/jobs/definitions.ts); a lookup first reads what changed since, when that
// is a small backlog, so a page right after an import already lists its papers.
//
// Several processes may catch up at once: applying a change is idempotent (a paper's keys are
// replaced by the keys of its text as read), and the position only moves forward.

/** A lookup catches up first when at most this many changes are waiting; more are the job's. */
export const LOOKUP_CATCH_UP_MAX = 5000;

export interface AuthorPage {
  papers: Paper[];
  hasMore: boolean;
}

export interface AuthorIndex {
  /** Reads the changes since the saved position into author_keys; returns how many it read. */
  catchUp(): Promise<number>;
  /** Catches up when the backlog is small (see LOOKUP_CATCH_UP_MAX); true when the index is current. */
  freshen(): Promise<boolean>;
  /** The papers whose authors include this key, newest first (published), by page. */
  papers(key: string, o: { offset: number; limit: number }): Promise<AuthorPage>;
  /** The members whose approved claims (src/community/claims.ts) are of this author name. */
  claimedBy(key: string): Promise<{ username: string; displayName: string | null }[]>;
  /** Newest papers of any of these keys published in [since, until), newest first. */
  newest(keys: string[], o: { limit: number; since?: string; until?: string }): Promise<Paper[]>;
}

export function createAuthorIndex(database: Database): AuthorIndex {
  const { db } = database;
  // One catch-up at a time in this process; a second caller waits for the running one.
  let running: Promise<number> | null = null;

  const readPosition = async (): Promise<FeedPosition> => {
    const row = await db.selectFrom('author_index_state').select('position').where('id', '=', 1).executeTakeFirst();
    if (!row) return FEED_START;
    try {
      return feedPosition(JSON.parse(row.position)) ?? FEED_START;
    } catch {
      return FEED_START;
    }
  };

  const apply = async (changes: PaperChange[]) => {
    if (!changes.length) return;
    const ids = changes.map((c) => c.id);
    const rows = changes.flatMap((c) => {
      if (!c.paper) return [];
      let authors: unknown;
      try {
        authors = JSON.parse(c.paper.authors);
      } catch {
        authors = [];
      }
      return authorKeys(Array.isArray(authors) ? authors.filter((a): a is string => typeof a === 'string') : []).map((key) => ({ key, paper_id: c.id }));
    });
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < ids.length; i += 500)
        await trx
          .deleteFrom('author_keys')
          .where('paper_id', 'in', ids.slice(i, i + 500))
          .execute();
      // A paper deleted after the feed read it is skipped by the join: no key for a missing paper.
      for (let i = 0; i < rows.length; i += 500) {
        const part = rows.slice(i, i + 500);
        const present = new Set(
          (
            await trx
              .selectFrom('papers')
              .select('id')
              .where('id', 'in', [...new Set(part.map((r) => r.paper_id))])
              .execute()
          ).map((r) => r.id),
        );
        const keep = part.filter((r) => present.has(r.paper_id));
        if (keep.length)
          await trx
            .insertInto('author_keys')
            .values(keep)
            .onConflict((oc) => oc.columns(['key', 'paper_id']).doNothing())
            .execute();
      }
    });
  };

  const catchUpOnce = async (): Promise<number> => {
    const from = await readPosition();
    let read = 0;
    const next = await readChanges(database, from, async (changes) => {
      read += changes.length;
      await apply(changes);
    });
    // Forward only: another process may have saved a later position meanwhile.
    const now = await readPosition();
    if (now.through <= next.through)
      await db
        .updateTable('author_index_state')
        .set({ position: JSON.stringify(next) })
        .where('id', '=', 1)
        .execute();
    return read;
  };

  const catchUp = () => {
    running ??= catchUpOnce().finally(() => {
      running = null;
    });
    return running;
  };

  return {
    catchUp,
    async freshen() {
      const [position, { maxSeq }] = await Promise.all([readPosition(), feedOrigin(database)]);
      const behind = maxSeq - position.through;
      if (behind <= 0 && !position.marks.length) return true;
      if (behind > LOOKUP_CATCH_UP_MAX) return false;
      await catchUp();
      return true;
    },
    async papers(key, { offset, limit }) {
      if (!key) return { papers: [], hasMore: false };
      const rows = await db
        .selectFrom('author_keys as k')
        .innerJoin('papers', 'papers.id', 'k.paper_id')
        .selectAll('papers')
        .where('k.key', '=', key)
        .orderBy('papers.published_at', 'desc')
        .orderBy('papers.id', 'desc')
        .offset(offset)
        .limit(limit + 1)
        .execute();
      return { papers: rows.slice(0, limit).map(toPaper), hasMore: rows.length > limit };
    },
    async claimedBy(key) {
      if (!key) return [];
      const rows = await db
        .selectFrom('author_claims as c')
        .innerJoin('author_keys as k', 'k.paper_id', 'c.paper_id')
        .innerJoin('users as u', 'u.id', 'c.user_id')
        .select(['c.author_name', 'u.username', 'u.display_name'])
        .where('k.key', '=', key)
        .where('c.status', '=', 'approved')
        .execute();
      // The claim is of one name on the paper: the one with this key.
      const out = new Map<string, { username: string; displayName: string | null }>();
      for (const r of rows) if (authorKey(r.author_name) === key) out.set(r.username, { username: r.username, displayName: r.display_name });
      return [...out.values()];
    },
    async newest(keys, { limit, since, until }) {
      if (!keys.length) return [];
      // Driven from the key index: a followed author has few papers, however many the instance has.
      const ids = [...new Set((await db.selectFrom('author_keys').select('paper_id').where('key', 'in', keys).execute()).map((r) => r.paper_id))];
      const rows = [];
      for (let i = 0; i < ids.length; i += 500) {
        let q = db
          .selectFrom('papers')
          .selectAll()
          .where('id', 'in', ids.slice(i, i + 500));
        if (since) q = q.where('published_at', '>=', since);
        if (until) q = q.where('published_at', '<', until);
        rows.push(...(await q.orderBy('published_at', 'desc').orderBy('id', 'desc').limit(limit).execute()));
      }
      rows.sort((a, b) => (a.published_at === b.published_at ? (a.id < b.id ? 1 : -1) : a.published_at < b.published_at ? 1 : -1));
      return rows.slice(0, limit).map(toPaper);
    },
  };
}
