import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database, type Dialect } from '../storage/database.js';
import { migrate } from '../storage/migrate.js';
import { startPgCluster, type PgCluster } from './pg-cluster.js';

// Fresh, migrated databases for tests, one per test, on both dialects. `npm test` starts one
// throw-away PostgreSQL cluster for the run and passes its URL in PAPERBOY_TEST_PG_URL; a test
// file run on its own starts (and stops) its own cluster.

export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

let ownCluster: Promise<PgCluster> | null = null;

async function adminUrl(): Promise<string> {
  if (process.env.PAPERBOY_TEST_PG_URL) return process.env.PAPERBOY_TEST_PG_URL;
  if (!ownCluster) {
    ownCluster = startPgCluster();
    const c = await ownCluster;
    process.once('exit', () => c.stop());
  }
  return (await ownCluster).url;
}

export interface TestDatabase extends Database {
  url: string;
  /** close and delete the database */
  destroy(): Promise<void>;
}

/** A new empty database URL (not migrated): a temp SQLite file or a new PostgreSQL database. */
export async function freshDatabaseUrl(dialect: Dialect): Promise<{ url: string; drop: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-test-'));
    return { url: `sqlite:${path.join(dir, 'test.db')}`, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = await adminUrl();
  const name = `pb_${crypto.randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function freshDatabase(dialect: Dialect): Promise<TestDatabase> {
  const { url, drop } = await freshDatabaseUrl(dialect);
  const database = await openDatabase(url);
  await migrate(database);
  return {
    ...database,
    url,
    async destroy() {
      await database.close();
      await drop();
    },
  };
}
