import { sql } from 'kysely';
import type { Database } from '../storage/database.js';

// Request slots per host kept in the database, so that every process on one database together
// keeps arXiv's pace: each request reserves the next free start (at least intervalMs after the
// previous reservation) and waits for it. Within a process the polite client also waits for the
// previous answer (src/ingest/polite-http.ts); across processes this start spacing is the floor.

/** Reserve the next start for host; resolves to the milliseconds to wait before starting. */
export type SharedTurn = (host: string, intervalMs: number) => Promise<number>;

export function databaseTurns(database: Database, now: () => number = Date.now): SharedTurn {
  return async (host, intervalMs) => {
    const t = now();
    const r = await sql<{ next_at: number | string }>`
      INSERT INTO http_slots (host, next_at) VALUES (${host}, ${t + intervalMs})
      ON CONFLICT (host) DO UPDATE SET
        next_at = CASE WHEN http_slots.next_at > ${t} THEN http_slots.next_at + ${intervalMs} ELSE ${t + intervalMs} END
      RETURNING next_at`.execute(database.db);
    // Counted from after the round trip, so a slow database does not start anyone early.
    return Math.max(0, Number(r.rows[0].next_at) - intervalMs - now());
  };
}
