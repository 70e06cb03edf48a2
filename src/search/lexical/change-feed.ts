import { type Kysely, sql } from 'kysely';
import type { Database } from '../../storage/database.js';
import type { Schema } from '../../storage/schema.js';

// The papers' change feed (migration 0014) as the in-memory lexical index reads it, on both
// dialects through Kysely: what changed after the reader's position, with each changed paper's
// text as it is now (null: deleted).
//
// SQLite has one writer at a time, so sequence numbers commit in order and `seq > through` misses
// nothing. PostgreSQL hands sequence values out before commit: a transaction holding seq 5 can
// commit after one with seq 6 was read. So on PostgreSQL the reader reads in one repeatable-read
// snapshot, notes the highest seq it read with the snapshot's xmax (marks), and keeps reading from
// its old `through` (skipping the changes it has already read, `seen`) until a later snapshot's
// xmin passes that xmax: then every transaction that was running at the earlier read has finished
// (committed or not), none can still commit a seq below the mark, and `through` moves up to it.
// A transaction takes its seq after its xid (the trigger runs after the paper's write), so one that
// holds a seq read-behind has an xid below that xmax.

export interface PaperText {
  title: string;
  abstract: string;
  authors: string;
}

export interface PaperChange {
  seq: number;
  id: string;
  /** the paper's text now; null when it was deleted */
  paper: PaperText | null;
}

/** Where a reader stands in the feed (saved with the index it feeds). */
export interface FeedPosition {
  /** every change up to this seq has been read, or will never commit */
  through: number;
  /** changes above `through` already read (ascending) */
  seen: number[];
  /** PostgreSQL: [seq, xmax] of earlier reads: `through` becomes seq once a snapshot's xmin reaches xmax */
  marks: [number, string][];
}

export const FEED_START: FeedPosition = { through: 0, seen: [], marks: [] };

/** A position read back from a file, or null when it is not one. */
export function feedPosition(v: unknown): FeedPosition | null {
  const p = v as Partial<FeedPosition> | null;
  if (!p || typeof p.through !== 'number' || !Array.isArray(p.seen) || !Array.isArray(p.marks)) return null;
  if (!p.seen.every((s) => typeof s === 'number') || !p.marks.every((m) => Array.isArray(m) && typeof m[0] === 'number' && typeof m[1] === 'string'))
    return null;
  return { through: p.through, seen: [...p.seen], marks: p.marks.map((m) => [m[0], m[1]]) };
}

/** Changes read per query: about what the index takes in 100 ms, so requests are served between pages. */
const PAGE = 1000;

/**
 * Reads the changes after `from` in pages, handing each page (ascending seq, changes not read
 * before) to `apply` before the next is read, and returns the reader's next position. `apply` may
 * be async (to yield between pages).
 */
export async function readChanges(database: Database, from: FeedPosition, apply: (changes: PaperChange[]) => void | Promise<void>): Promise<FeedPosition> {
  if (database.dialect === 'sqlite') {
    let through = from.through;
    for (;;) {
      const page = await pageAfter(database.db, through);
      if (!page.length) return { through, seen: [], marks: [] };
      through = page[page.length - 1].seq;
      await apply(page.map(toChange));
    }
  }
  // Most reads (one before each search) find nothing new: one statement, whose own snapshot reads the
  // page, answers them instead of a transaction's four round trips (on a loaded machine some 10 ms of
  // each search on PostgreSQL). When it finds a change not read before, the read below starts over.
  const probe = await sql<{ xmin: string; xmax: string; seq: number | null }>`
    SELECT pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax, c.seq
      FROM pg_current_snapshot() AS s
      LEFT JOIN LATERAL (SELECT seq FROM paper_changes WHERE seq > ${from.through} ORDER BY seq LIMIT ${PAGE}) AS c ON true
     ORDER BY c.seq`.execute(database.db);
  const known = new Set(from.seen);
  const probed = probe.rows.flatMap((r) => (r.seq === null ? [] : [Number(r.seq)]));
  if (probed.length < PAGE && probed.every((s) => known.has(s))) {
    const { xmin, xmax } = probe.rows[0];
    return settle(from, probed.length ? probed[probed.length - 1] : from.through, [], xmin, xmax);
  }
  return database.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      // The first statement takes the transaction's snapshot: the one every page is read in.
      const snap = await sql<{ xmin: string; xmax: string }>`
        SELECT pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax FROM pg_current_snapshot() AS s`.execute(trx);
      const { xmin, xmax } = snap.rows[0];
      const seen = new Set(from.seen);
      const read: number[] = [];
      let after = from.through;
      for (;;) {
        // Numbers first: behind a long transaction the changes already read come back on every
        // read until it ends, and only the new ones' text is fetched.
        const page = (await trx.selectFrom('paper_changes').select(['seq', 'paper_id']).where('seq', '>', after).orderBy('seq').limit(PAGE).execute()).map(
          (r) => ({ seq: Number(r.seq), paper_id: r.paper_id }),
        );
        if (!page.length) break;
        after = page[page.length - 1].seq;
        const fresh = page.filter((r) => !seen.has(r.seq));
        if (!fresh.length) continue;
        for (const r of fresh) read.push(r.seq);
        const texts = new Map(
          (
            await trx
              .selectFrom('papers')
              .select(['id', 'title', 'abstract', 'authors'])
              .where(
                'id',
                'in',
                fresh.map((r) => r.paper_id),
              )
              .execute()
          ).map((p) => [p.id, p]),
        );
        await apply(
          fresh.map((r) => {
            const p = texts.get(r.paper_id);
            return { seq: r.seq, id: r.paper_id, paper: p ? { title: p.title, abstract: p.abstract, authors: p.authors } : null };
          }),
        );
      }
      return settle(from, after, read, xmin, xmax);
    });
}

/**
 * The position after a PostgreSQL read in the snapshot (xmin, xmax) that went through seq `after`
 * and read the changes `read`: a mark for this read, and `through` moved up to each earlier mark
 * whose transactions have all finished (see the top of this file).
 */
function settle(from: FeedPosition, after: number, read: number[], xmin: string, xmax: string): FeedPosition {
  const marks = [...from.marks];
  if (after > from.through) marks.push([after, xmax]);
  let through = from.through;
  const settled = BigInt(xmin);
  const open = marks.filter(([seq, x]) => {
    if (BigInt(x) > settled) return true;
    through = Math.max(through, seq);
    return false;
  });
  const next = [...from.seen, ...read].filter((s) => s > through).sort((a, b) => a - b);
  return { through, seen: next, marks: open };
}

interface ChangeRow {
  seq: number;
  paper_id: string;
  title: string | null;
  abstract: string | null;
  authors: string | null;
}

async function pageAfter(db: Kysely<Schema>, after: number): Promise<ChangeRow[]> {
  const rows = await db
    .selectFrom('paper_changes as c')
    .leftJoin('papers as p', 'p.id', 'c.paper_id')
    .select(['c.seq', 'c.paper_id', 'p.title', 'p.abstract', 'p.authors'])
    .where('c.seq', '>', after)
    .orderBy('c.seq')
    .limit(PAGE)
    .execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

function toChange(r: ChangeRow): PaperChange {
  return {
    seq: r.seq,
    id: r.paper_id,
    paper: r.title === null ? null : { title: r.title, abstract: r.abstract ?? '', authors: r.authors ?? '' },
  };
}

/**
 * What a saved position is valid for: this database's feed origin and its highest seq now. A
 * position from another origin, or beyond the highest seq (the database was restored from an
 * older backup), means nothing here.
 */
export async function feedOrigin(database: Database): Promise<{ origin: string; maxSeq: number }> {
  const o = await database.db.selectFrom('paper_changes_origin').select('origin').where('id', '=', 1).executeTakeFirst();
  const m = await database.db
    .selectFrom('paper_changes')
    .select((eb) => eb.fn.max('seq').as('max'))
    .executeTakeFirst();
  return { origin: o?.origin ?? '', maxSeq: Number(m?.max ?? 0) };
}
