import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { type DatabaseConnection, type Driver, Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase, SqliteDriver, sql, type Transaction } from 'kysely';
import type { Schema } from './schema.js';
import { KeptResults } from '../util/kept-results.js';

export type Dialect = 'sqlite' | 'postgres';

/** An open database: the typed query builder plus what the dialect adapters need. */
export interface Database {
  dialect: Dialect;
  db: Kysely<Schema>;
  /** SQLite only: the raw connection, for storage adapters' bulk paths (prepared statements). */
  sqlite?: BetterSqlite3.Database;
  /** PostgreSQL only: the connection pool, for storage adapters' bulk paths (COPY). */
  pg?: pg.Pool;
  /** Run a script of several statements (migrations only) inside the given transaction. */
  runScript(trx: Transaction<Schema>, script: string): Promise<void>;
  /** Take the migration lock inside a transaction, so concurrent migrators run one at a time. */
  lockMigrations(trx: Transaction<Schema>): Promise<void>;
  close(): Promise<void>;
}

// pg returns int8 (count(*)) as text; our counts fit in a JS number.
pg.types.setTypeParser(20, (v: string) => Number(v));

function sqlitePath(url: string): string {
  return url.slice('sqlite:'.length);
}

export async function openDatabase(url: string): Promise<Database> {
  if (url.startsWith('sqlite:')) return openSqlite(sqlitePath(url));
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url);
  throw new Error(`storage: unsupported DATABASE_URL (want sqlite:PATH or postgres://...)`);
}

/**
 * SQLite rolls a transaction back by itself on some errors (SQLITE_FULL in a large one, SQLITE_IOERR,
 * SQLITE_NOMEM); Kysely's ROLLBACK after that failed with "cannot rollback - no transaction is
 * active" and replaced the error that said why (an import on a full disk). This dialect rolls back
 * only a transaction that is still open, so the cause reaches the caller.
 */
class SqliteKeepingCauseDialect extends SqliteDialect {
  constructor(private readonly raw: BetterSqlite3.Database) {
    super({ database: raw });
  }
  override createDriver(): Driver {
    const raw = this.raw;
    return new (class extends SqliteDriver {
      override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
        if (raw.inTransaction) await super.rollbackTransaction(connection);
      }
    })({ database: keepingStatements(raw) });
  }
}

/**
 * The handle Kysely runs queries on, with the prepared statements of the 500 SQL texts run most
 * recently kept and run again: Kysely prepares every query anew, a twentieth of the main thread under
 * a load of API lists. Safe because SQLite has one connection here, which Kysely lends to one query
 * (or stream) at a time, and SQLite prepares a kept statement again by itself when the schema changes
 * under it.
 */
function keepingStatements(raw: BetterSqlite3.Database): SqliteDatabase {
  const kept = new KeptResults<BetterSqlite3.Statement>(500);
  return {
    prepare: (text) => kept.get(text, [], () => raw.prepare(text)),
    close: () => raw.close(),
  };
}

function openSqlite(file: string): Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const raw = new BetterSqlite3(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  raw.pragma('synchronous = NORMAL');
  const db = new Kysely<Schema>({ dialect: new SqliteKeepingCauseDialect(raw) });
  return {
    dialect: 'sqlite',
    db,
    sqlite: raw,
    async runScript(_trx, script) {
      // Kysely's sqlite driver runs one statement per call; the raw handle runs a whole script
      // on the same single connection, so it is inside the transaction Kysely opened.
      raw.exec(script);
    },
    async lockMigrations(trx) {
      // A write as the first statement takes SQLite's write lock now, rather than failing with
      // SQLITE_BUSY when a read transaction later tries to upgrade.
      await trx.deleteFrom('schema_migrations').where('version', '<', 0).execute();
    },
    async close() {
      await db.destroy();
    },
  };
}

function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle pooled connection that the server ends (a restart, an admin's pg_terminate_backend,
  // DROP DATABASE ... FORCE) emits 'error'; unheard, that is an uncaught exception that stops the
  // process. The pool drops the connection and opens a new one on next use, so say so and go on.
  // The pool re-emits an idle connection's error on itself: heard here, said once by the listener below.
  pool.on('error', () => {});
  // The pool listens only to its idle connections: one checked out (a transaction between its
  // queries, a COPY batch, a change-feed read) that the server ends emitted 'error' with nobody to
  // hear it, and a PostgreSQL restart stopped the process (the soak run found it). Its query or
  // transaction fails by itself and the pool drops a dead connection at release; so every connection
  // is listened to for as long as it lives.
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      process.stderr.write(`storage: a PostgreSQL connection was closed by the server (${err.message}); its work fails and it is replaced\n`);
    });
  });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: 'postgres',
    db,
    pg: pool,
    async runScript(trx, script) {
      // A query without parameters goes over pg's simple protocol, which runs several statements.
      await sql.raw(script).execute(trx);
    },
    async lockMigrations(trx) {
      await sql`SELECT pg_advisory_xact_lock(7271001)`.execute(trx);
    },
    async close() {
      await db.destroy();
    },
  };
}
