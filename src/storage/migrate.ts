import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database, Dialect } from './database.js';

// Forward-only numbered SQL files, one folder per dialect; each runs in its own transaction
// together with the row that records it.
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../src/storage/migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  file: string;
}

export function listMigrations(dialect: Dialect, dir = MIGRATIONS_DIR): Migration[] {
  const folder = `${dir}${dialect}/`;
  return fs
    .readdirSync(folder)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => {
      const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(f);
      if (!m) throw new Error(`storage: migration file name ${f} is not NNNN_name.sql`);
      return { version: Number(m[1]), name: m[2], file: folder + f };
    })
    .sort((a, b) => a.version - b.version);
}

async function ensureTable(database: Database): Promise<void> {
  await database.db.schema
    .createTable('schema_migrations')
    .ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .execute();
}

export async function appliedVersions(database: Database): Promise<Set<number>> {
  await ensureTable(database);
  const rows = await database.db.selectFrom('schema_migrations').select('version').execute();
  return new Set(rows.map((r) => Number(r.version)));
}

export interface SchemaStatus {
  current: number;
  latest: number;
  pending: Migration[];
}

export async function schemaStatus(database: Database): Promise<SchemaStatus> {
  const applied = await appliedVersions(database);
  const all = listMigrations(database.dialect);
  const pending = all.filter((m) => !applied.has(m.version));
  return { current: Math.max(0, ...applied), latest: all.length ? all[all.length - 1].version : 0, pending };
}

/** Apply pending migrations in order; safe to run from several processes at once. */
export async function migrate(database: Database, log: (line: string) => void = () => {}): Promise<Migration[]> {
  const { pending } = await schemaStatus(database);
  const done: Migration[] = [];
  for (const m of pending) {
    const script = fs.readFileSync(m.file, 'utf8');
    const ran = await database.db.transaction().execute(async (trx) => {
      await database.lockMigrations(trx);
      const already = await trx.selectFrom('schema_migrations').select('version').where('version', '=', m.version).executeTakeFirst();
      if (already) return false;
      await database.runScript(trx, script);
      await trx.insertInto('schema_migrations').values({ version: m.version, name: m.name, applied_at: new Date().toISOString() }).execute();
      return true;
    });
    if (ran) {
      log(`migrate: applied ${String(m.version).padStart(4, '0')}_${m.name} (${database.dialect})`);
      done.push(m);
    }
  }
  return done;
}

/** The server refuses to run on a schema older than its code. */
export async function assertSchemaCurrent(database: Database): Promise<void> {
  const { pending } = await schemaStatus(database);
  if (pending.length) {
    throw new Error(
      `storage: the database schema is out of date (${pending.length} pending migration(s): ${pending
        .map((m) => m.version)
        .join(', ')}); run \`paperboy migrate\` first`,
    );
  }
}
