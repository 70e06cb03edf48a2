import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import { freshDatabase } from '../testing/databases.js';
import { waitFor } from '../testing/wait.js';
import { openDatabase } from './database.js';

// A PostgreSQL restart or an administrator ending connections must not stop Paperboy: the pool
// replaces the lost connection and the next query works.

test('[postgres] an idle pooled connection ended by the server is replaced, not a crash', async () => {
  const db = await freshDatabase('postgres');
  const crashes: Error[] = [];
  const onCrash = (e: Error) => crashes.push(e);
  process.on('uncaughtException', onCrash);
  try {
    // Two queries at once open two pooled connections; both are idle in the pool afterwards.
    const pidOf = () => sql<{ pid: number }>`SELECT pg_backend_pid() AS pid, pg_sleep(0.1)`.execute(db.db).then((r) => Number(r.rows[0].pid));
    const pids = await Promise.all([pidOf(), pidOf()]);
    assert.equal(new Set(pids).size, 2);
    // An administrator ends them from outside the pool.
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids]);
    // A backend leaves pg_stat_activity after it has sent its client the termination, so the pool's
    // connections have been told by then.
    const ended = async () => (await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids])).rows[0].n === 0;
    await waitFor(ended, { what: 'the server to end both pooled connections' });
    await admin.end();
    const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM papers`.execute(db.db)).rows[0].n;
    assert.equal(n, 0);
    assert.deepEqual(crashes, []);
  } finally {
    process.off('uncaughtException', onCrash);
    await db.destroy();
  }
});

test('[postgres] a connection in use ended by the server fails its transaction, not the process', async () => {
  const db = await freshDatabase('postgres');
  const crashes: Error[] = [];
  const onCrash = (e: Error) => crashes.push(e);
  process.on('uncaughtException', onCrash);
  try {
    // A transaction holds its pooled connection between its queries (as a change-feed read or a COPY
    // batch does) while the server ends it: a checked-out connection has no pool listener for 'error'.
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const outcome = await db.db
      .transaction()
      .execute(async (trx) => {
        const pid = Number((await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx)).rows[0].pid);
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        const gone = async () => (await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0].n === 0;
        await waitFor(gone, { what: 'the server to end the connection' });
        // The client has seen its connection end by the time the next query is sent.
        await new Promise((r) => setTimeout(r, 100)); // the socket's end event, not an awaited state
        await sql`SELECT 1`.execute(trx);
        return 'committed';
      })
      .catch((e: Error) => `failed: ${e.message}`);
    await admin.end();
    assert.match(outcome, /^failed/, 'the transaction fails');
    const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM papers`.execute(db.db)).rows[0].n;
    assert.equal(n, 0, 'the next query gets a working connection');
    assert.deepEqual(
      crashes.map((e) => e.message),
      [],
    );
  } finally {
    process.off('uncaughtException', onCrash);
    await db.destroy();
  }
});

test('[sqlite] a query run again reads the rows as they are now, and a kept statement follows a schema change', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-kept-statements-'));
  const database = await openDatabase(`sqlite:${path.join(dir, 'db.sqlite')}`);
  try {
    const { db } = database;
    await sql`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`.execute(db);
    // the same SQL text each time: the kept statement runs again with new parameters
    const insert = (body: string) => sql`INSERT INTO notes (body) VALUES (${body})`.execute(db);
    const all = async () => (await sql<Record<string, unknown>>`SELECT * FROM notes ORDER BY id`.execute(db)).rows;
    await insert('one');
    assert.deepEqual(await all(), [{ id: 1, body: 'one' }]);
    await insert('two');
    assert.deepEqual(await all(), [
      { id: 1, body: 'one' },
      { id: 2, body: 'two' },
    ]);
    await sql`ALTER TABLE notes ADD COLUMN tag TEXT`.execute(db);
    assert.deepEqual((await all())[0], { id: 1, body: 'one', tag: null });
    // a failed statement inside a transaction leaves the kept ones usable
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await sql`INSERT INTO notes (body) VALUES (${'three'})`.execute(trx);
        await sql`INSERT INTO notes (body) VALUES (${null})`.execute(trx);
      }),
      /NOT NULL/,
    );
    assert.equal((await all()).length, 2);
  } finally {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
