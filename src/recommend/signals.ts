import type { Database } from '../storage/database.js';
import { chunks } from '../papers/store.js';
import { syncSaved } from './collections.js';

// What a member tells their For-you ranking, private to them: saves, dismissals ("not interested")
// and imports, one row per member, paper and kind (repeating one changes nothing), beside their
// upvotes (a public vote, read here as a private signal). Liked = upvoted, saved or imported;
// dismissed = not interested. Saving a paper takes back its dismissal and the other way round.
// Saved papers are also the member's "Saved" collection (src/recommend/collections.ts), kept in step
// in the same transaction.

export type SignalKind = 'save' | 'dismiss' | 'import';
export const SIGNAL_KINDS: SignalKind[] = ['save', 'dismiss', 'import'];

/** why a paper counts as liked, in the words a reason uses */
export type LikedWhy = 'saved' | 'upvoted' | 'imported';

export interface ReaderSignals {
  /** liked papers, each once, with the strongest reason (saved, then upvoted, then imported) */
  liked: { id: string; why: LikedWhy }[];
  dismissed: string[];
}

export interface SignalRow {
  paperId: string;
  kind: SignalKind | 'upvote';
  createdAt: string;
}

/** A paper this instance does not have; the message names it. */
export class SignalError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(`recommend: ${message}`);
  }
  get statusCode(): number {
    return this.status;
  }
}

export interface SignalStore {
  /** Turn a save or dismissal on or off (idempotent); answers whether it is on now. */
  set(userId: number, paperId: string, kind: 'save' | 'dismiss', on: boolean): Promise<boolean>;
  /** Record imports of papers the caller has checked exist (idempotent); answers how many are new. */
  addImports(userId: number, paperIds: string[]): Promise<number>;
  of(userId: number): Promise<ReaderSignals>;
  /** which of paperIds this member saved and dismissed (for rendering cards) */
  among(userId: number, paperIds: string[]): Promise<{ saved: Set<string>; dismissed: Set<string> }>;
  /** every signal of the member, upvotes included, oldest first (the account export) */
  list(userId: number): Promise<SignalRow[]>;
  /** a key that changes whenever the member's signals do (their model is cached under it) */
  key(signals: ReaderSignals): string;
}

export function createSignalStore(database: Database, now: () => Date = () => new Date()): SignalStore {
  const { db } = database;
  return {
    async set(userId, paperId, kind, on) {
      return db.transaction().execute(async (trx) => {
        const paper = await trx.selectFrom('papers').select('id').where('id', '=', paperId).executeTakeFirst();
        if (!paper) throw new SignalError(404, `arXiv:${paperId} is not in this instance`);
        if (on) {
          await trx
            .deleteFrom('reader_signals')
            .where('user_id', '=', userId)
            .where('paper_id', '=', paperId)
            .where('kind', '=', kind === 'save' ? 'dismiss' : 'save')
            .execute();
          await trx
            .insertInto('reader_signals')
            .values({ user_id: userId, paper_id: paperId, kind, created_at: now().toISOString() })
            .onConflict((oc) => oc.columns(['user_id', 'kind', 'paper_id']).doNothing())
            .execute();
        } else {
          await trx.deleteFrom('reader_signals').where('user_id', '=', userId).where('paper_id', '=', paperId).where('kind', '=', kind).execute();
        }
        // Saving puts the paper in "Saved"; unsaving or "not interested" takes it out.
        if (kind === 'save' || on) await syncSaved(trx, userId, paperId, kind === 'save' && on, now().toISOString());
        return on;
      });
    },
    async addImports(userId, paperIds) {
      let added = 0;
      const at = now().toISOString();
      for (const part of chunks([...new Set(paperIds)], 200)) {
        const r = await db
          .insertInto('reader_signals')
          .values(part.map((paper_id) => ({ user_id: userId, paper_id, kind: 'import', created_at: at })))
          .onConflict((oc) => oc.columns(['user_id', 'kind', 'paper_id']).doNothing())
          .executeTakeFirst();
        added += Number(r.numInsertedOrUpdatedRows ?? 0);
      }
      return added;
    },
    async of(userId) {
      const rows = await this.list(userId);
      const rank: Record<string, number> = { save: 3, upvote: 2, import: 1 };
      const why: Record<string, LikedWhy> = { save: 'saved', upvote: 'upvoted', import: 'imported' };
      const dismissed = new Set(rows.filter((r) => r.kind === 'dismiss').map((r) => r.paperId));
      const liked = new Map<string, SignalRow['kind']>();
      for (const r of rows) {
        if (r.kind === 'dismiss' || dismissed.has(r.paperId)) continue;
        const had = liked.get(r.paperId);
        if (!had || rank[r.kind] > rank[had]) liked.set(r.paperId, r.kind);
      }
      return { liked: [...liked].map(([id, kind]) => ({ id, why: why[kind] })).sort((a, b) => a.id.localeCompare(b.id)), dismissed: [...dismissed].sort() };
    },
    async among(userId, paperIds) {
      const saved = new Set<string>();
      const dismissed = new Set<string>();
      for (const part of chunks([...new Set(paperIds)], 500)) {
        const rows = await db
          .selectFrom('reader_signals')
          .select(['paper_id', 'kind'])
          .where('user_id', '=', userId)
          .where('kind', 'in', ['save', 'dismiss'])
          .where('paper_id', 'in', part)
          .execute();
        for (const r of rows) (r.kind === 'save' ? saved : dismissed).add(r.paper_id);
      }
      return { saved, dismissed };
    },
    async list(userId) {
      const [signals, votes] = await Promise.all([
        db.selectFrom('reader_signals').select(['paper_id', 'kind', 'created_at']).where('user_id', '=', userId).execute(),
        db.selectFrom('upvotes').select(['paper_id', 'created_at']).where('user_id', '=', userId).execute(),
      ]);
      const rows: SignalRow[] = [
        ...signals.map((r) => ({ paperId: r.paper_id, kind: r.kind as SignalKind, createdAt: r.created_at })),
        ...votes.map((r) => ({ paperId: r.paper_id, kind: 'upvote' as const, createdAt: r.created_at })),
      ];
      return rows.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.paperId.localeCompare(b.paperId) || a.kind.localeCompare(b.kind));
    },
    key(signals) {
      const liked = signals.liked.map((l) => `${l.id}:${l.why}`).sort();
      return `${liked.join(',')}|${[...signals.dismissed].sort().join(',')}`;
    },
  };
}
