import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Database } from './database.js';
import type { Schema } from './schema.js';

// Claiming a job row so that two workers never take the same one. On PostgreSQL the candidate
// rows are read with FOR UPDATE SKIP LOCKED inside a transaction, so concurrent claimers pass over
// each other's rows instead of queueing on them. SQLite has a single writer and no row locks:
// there the conditional UPDATE that the caller runs next is the claim (it changes 0 rows if
// another process got there first), and no transaction is held between the read and the write,
// which in WAL mode could fail with SQLITE_BUSY on upgrade.

export type LockRows = <DB, TB extends keyof DB, O>(qb: SelectQueryBuilder<DB, TB, O>) => SelectQueryBuilder<DB, TB, O>;

export async function withRowClaim<T>(database: Database, fn: (q: Kysely<Schema>, lockRows: LockRows) => Promise<T>): Promise<T> {
  if (database.dialect === 'postgres') {
    return database.db.transaction().execute((trx) => fn(trx, (qb) => qb.forUpdate().skipLocked()));
  }
  return fn(database.db, (qb) => qb);
}
