import type { Database } from '../storage/database.js';
import { toPaper } from '../papers/store.js';
import type { Paper } from '../papers/paper.js';
import { isCategory } from '../papers/schemas.js';
import { authorKey, MAX_AUTHOR_NAME } from './author-name.js';
import type { AuthorIndex } from './author-index.js';

// Following (issue #27): a member follows author names, members (their submissions), categories
// and saved searches; the following page and the digest's Following section list what they bring,
// each paper once. Follows are private: every read takes the member's own id.

export type FollowKind = 'author' | 'member' | 'category' | 'search';
export const FOLLOW_KINDS: readonly FollowKind[] = ['author', 'member', 'category', 'search'];
/** Follows per member: the following page queries each kind once, but keeps a bound. */
export const MAX_FOLLOWS = 200;
export const MAX_SEARCH_FOLLOW = 250;
/** A category with at most this many papers is read whole and sorted; a larger one down the date index. */
const SMALL_CATEGORY = 5000;

export class FollowError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(`follow: ${message}`);
  }
}

export interface Follow {
  kind: FollowKind;
  /** the stored value: the author key, the member's username, the category, the query */
  value: string;
  /** as shown */
  label: string;
  createdAt: string;
}

export interface FollowingItem {
  paper: Paper;
  /** when it came: the submission time for a followed member's submission, else the paper's publication */
  at: string;
  /** which follows brought it, as shown ("Yann LeCun", "@ada", "cs.CL", "“diffusion”") */
  via: string[];
  /** the followed member who submitted it */
  submittedBy?: string;
}

export interface FollowingPage {
  items: FollowingItem[];
  hasMore: boolean;
}

export interface Follows {
  /** The value stored for what the member typed, or a FollowError (400) saying why it is not one. */
  resolve(kind: string, raw: string): Promise<{ kind: FollowKind; value: string; label: string }>;
  follow(userId: number, kind: string, raw: string): Promise<Follow>;
  /** true when there was such a follow */
  unfollow(userId: number, kind: string, raw: string): Promise<boolean>;
  list(userId: number): Promise<Follow[]>;
  isFollowing(userId: number, kind: FollowKind, raw: string): Promise<boolean>;
  /** What the member's follows bring, newest first, each paper once; since/until bound `at`. */
  following(userId: number, o: { offset: number; limit: number; since?: string; until?: string }): Promise<FollowingPage>;
}

export interface FollowsOptions {
  database: Database;
  authors: AuthorIndex;
  /** a saved search's newest matches (the search service, wired in src/main.ts) */
  search: (q: string, limit: number) => Promise<Paper[]>;
  now?: () => Date;
  /** a category with at most this many papers is read whole and sorted (SMALL_CATEGORY; tests lower it) */
  smallCategory?: number;
}

/** How a follow is shown. */
export function followLabel(f: Pick<Follow, 'kind' | 'label'>): string {
  return f.kind === 'member' ? `@${f.label}` : f.kind === 'search' ? `“${f.label}”` : f.label;
}

export function createFollows(o: FollowsOptions): Follows {
  const { db } = o.database;
  const now = o.now ?? (() => new Date());
  const smallCategory = o.smallCategory ?? SMALL_CATEGORY;

  const resolve: Follows['resolve'] = async (kind, raw) => {
    if (!FOLLOW_KINDS.includes(kind as FollowKind))
      throw new FollowError(400, `"${String(kind).slice(0, 20)}" is not a kind to follow (author, member, category or search)`);
    const k = kind as FollowKind;
    const text = typeof raw === 'string' ? raw.replace(/\s+/g, ' ').trim() : '';
    if (!text) throw new FollowError(400, `say which ${k} to follow (an empty value)`);
    switch (k) {
      case 'author': {
        const key = authorKey(text);
        if (!key) throw new FollowError(400, `"${text.slice(0, 60)}" is not an author name (no letters or digits)`);
        return { kind: k, value: key, label: text.slice(0, MAX_AUTHOR_NAME) };
      }
      case 'member': {
        const name = text.replace(/^@/, '');
        const user = await db.selectFrom('users').select(['id', 'username']).where('username', '=', name).executeTakeFirst();
        if (!user) throw new FollowError(400, `there is no member called ${name.slice(0, 40)}`);
        return { kind: k, value: String(user.id), label: user.username };
      }
      case 'category':
        if (!isCategory(text)) throw new FollowError(400, `"${text.slice(0, 40)}" is not an arXiv category (e.g. cs.CL)`);
        return { kind: k, value: text, label: text };
      case 'search':
        if (text.length > MAX_SEARCH_FOLLOW) throw new FollowError(400, `a saved search has at most ${MAX_SEARCH_FOLLOW} characters`);
        return { kind: k, value: text, label: text };
    }
  };

  const list = async (userId: number): Promise<Follow[]> => {
    const rows = await db
      .selectFrom('follows')
      .select(['kind', 'value', 'label', 'created_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('kind')
      .orderBy('value')
      .execute();
    // A member's follow is stored by id and shows their username now.
    const ids = rows.filter((r) => r.kind === 'member').map((r) => Number(r.value));
    const names = new Map(
      ids.length ? (await db.selectFrom('users').select(['id', 'username']).where('id', 'in', ids).execute()).map((u) => [String(u.id), u.username]) : [],
    );
    return rows.map((r) => {
      const shown = r.kind === 'member' ? (names.get(r.value) ?? r.label) : r.label;
      return { kind: r.kind, value: r.kind === 'member' ? shown : r.value, label: shown, createdAt: r.created_at };
    });
  };

  return {
    resolve,
    list,
    async follow(userId, kind, raw) {
      const f = await resolve(kind, raw);
      const count = await db
        .selectFrom('follows')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow();
      if (Number(count.n) >= MAX_FOLLOWS) throw new FollowError(409, `you follow ${MAX_FOLLOWS} things already; unfollow some first`);
      const createdAt = now().toISOString();
      await db
        .insertInto('follows')
        .values({ user_id: userId, kind: f.kind, value: f.value, label: f.label, created_at: createdAt })
        .onConflict((oc) => oc.columns(['user_id', 'kind', 'value']).doNothing())
        .execute();
      return { kind: f.kind, value: f.kind === 'member' ? f.label : f.value, label: f.label, createdAt };
    },
    async unfollow(userId, kind, raw) {
      const f = await resolve(kind, raw);
      const r = await db.deleteFrom('follows').where('user_id', '=', userId).where('kind', '=', f.kind).where('value', '=', f.value).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    async isFollowing(userId, kind, raw) {
      let f: { kind: FollowKind; value: string };
      try {
        f = await resolve(kind, raw);
      } catch (e) {
        if (e instanceof FollowError) return false;
        throw e;
      }
      const r = await db
        .selectFrom('follows')
        .select('kind')
        .where('user_id', '=', userId)
        .where('kind', '=', f.kind)
        .where('value', '=', f.value)
        .executeTakeFirst();
      return !!r;
    },
    async following(userId, { offset, limit, since, until }) {
      const rows = await db.selectFrom('follows').select(['kind', 'value', 'label']).where('user_id', '=', userId).execute();
      const want = offset + limit + 1;
      const byId = new Map<string, FollowingItem>();
      const add = (paper: Paper, at: string, via: string, submittedBy?: string) => {
        if ((since && at < since) || (until && at >= until)) return;
        const seen = byId.get(paper.id);
        if (!seen) {
          byId.set(paper.id, { paper, at, via: [via], ...(submittedBy ? { submittedBy } : {}) });
          return;
        }
        // One paper, however many follows bring it: the latest time, every reason.
        if (!seen.via.includes(via)) seen.via.push(via);
        if (at > seen.at) seen.at = at;
        if (submittedBy && !seen.submittedBy) seen.submittedBy = submittedBy;
      };
      const of = (kind: FollowKind) => rows.filter((r) => r.kind === kind);
      const authors = of('author');
      if (authors.length) {
        await o.authors.freshen();
        const labels = new Map(authors.map((a) => [a.value, a.label]));
        const papers = await o.authors.newest([...labels.keys()], { limit: want, since, until });
        for (const p of papers) {
          const keys = new Set(p.authors.map(authorKey));
          for (const [key, label] of labels) if (keys.has(key)) add(p, p.publishedAt, label);
        }
      }
      const members = of('member');
      if (members.length) {
        let q = db
          .selectFrom('submissions')
          .innerJoin('papers', 'papers.id', 'submissions.paper_id')
          .innerJoin('users', 'users.id', 'submissions.submitted_by')
          .selectAll('papers')
          .select(['submissions.submitted_at', 'users.username'])
          .where(
            'submissions.submitted_by',
            'in',
            members.map((m) => Number(m.value)),
          )
          .where('submissions.hidden', '=', 0);
        if (since) q = q.where('submissions.submitted_at', '>=', since);
        if (until) q = q.where('submissions.submitted_at', '<', until);
        for (const r of await q.orderBy('submissions.submitted_at', 'desc').limit(want).execute())
          add(toPaper(r), r.submitted_at, `@${r.username}`, r.username);
      }
      // A category: its newest papers. A large one is read down the papers' date index until enough
      // match; a small one is read whole from the category index and sorted (the date index would
      // pass over most of the corpus to find a rare category's few papers).
      for (const c of of('category')) {
        // Counted up to the bound only: a large category is not counted whole on every request.
        const size = await db
          .selectFrom(
            db
              .selectFrom('paper_categories')
              .select('paper_id')
              .where('category', '=', c.value)
              .limit(smallCategory + 1)
              .as('c'),
          )
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        let q = db.selectFrom('papers').selectAll();
        q =
          Number(size.n) > smallCategory
            ? q.where(({ exists, selectFrom }) =>
                exists(
                  selectFrom('paper_categories').select('paper_id').whereRef('paper_categories.paper_id', '=', 'papers.id').where('category', '=', c.value),
                ),
              )
            : q.where('id', 'in', db.selectFrom('paper_categories').select('paper_id').where('category', '=', c.value));
        if (since) q = q.where('published_at', '>=', since);
        if (until) q = q.where('published_at', '<', until);
        for (const r of await q.orderBy('published_at', 'desc').orderBy('id', 'desc').limit(want).execute()) add(toPaper(r), r.published_at, c.label);
      }
      for (const s of of('search')) {
        for (const p of await o.search(s.value, Math.min(want, 100))) add(p, p.publishedAt, `“${s.label}”`);
      }
      const items = [...byId.values()].sort((a, b) => (a.at === b.at ? (a.paper.id < b.paper.id ? 1 : -1) : a.at < b.at ? 1 : -1));
      return { items: items.slice(offset, offset + limit), hasMore: items.length > offset + limit };
    },
  };
}
