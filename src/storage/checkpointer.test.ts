import { test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BackgroundCheckpointer } from './checkpointer.js';

// A bulk load's checkpoints run on a second thread; the WAL must still start over and stay about as
// long as the restart length, and every committed row must be in the database file afterwards.

const PAGES = 64;
const BATCHES = 80;
const ROWS = 200;

function openWal(dir: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(path.join(dir, 'test.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  return db;
}

/**
 * Writes BATCHES transactions of ROWS 1 KB rows (about 60 pages each). Returns the WAL's largest
 * size in pages, and the most batches committed in a row while no checkpoint round finished
 * (`rounds` counts the finished ones).
 */
async function load(db: BetterSqlite3.Database, afterCommit: () => Promise<void>, rounds = () => 0): Promise<{ most: number; streak: number }> {
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  const batch = db.transaction((b: number) => {
    for (let i = 0; i < ROWS; i++) insert.run(`${b}:${i}:`.padEnd(1000, 'x'));
  });
  let most = 0;
  let streak = 0;
  let run = 0;
  let seen = rounds();
  for (let b = 0; b < BATCHES; b++) {
    batch(b);
    run = rounds() === seen ? run + 1 : 1;
    seen = rounds();
    streak = Math.max(streak, run);
    await afterCommit();
    // As the importer does, waiting for its reader thread's next batch: the checkpoint thread's
    // answers arrive as messages.
    await new Promise((resolve) => setTimeout(resolve, 1));
    most = Math.max(most, fs.statSync(`${db.name}-wal`).size / 4096);
  }
  return { most, streak };
}

test('background checkpoints keep the WAL near its restart length and lose no row', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-ckpt-'));
  try {
    // Without checkpoints the WAL holds the whole load: what the bound below must beat.
    const bare = openWal(fs.mkdtempSync(path.join(dir, 'bare-')));
    bare.pragma('wal_autocheckpoint = 0');
    const unbounded = (await load(bare, async () => {})).most;
    bare.close();

    const db = openWal(dir);
    db.pragma('wal_autocheckpoint = 0');
    const ck = await BackgroundCheckpointer.start(db, PAGES);
    assert.ok(ck, 'a file database in WAL mode gets a checkpointer');
    const { most: longest, streak } = await load(
      db,
      () => ck.afterCommit(),
      () => ck.rounds,
    );
    await ck.close();
    assert.ok(ck.rounds > 0, 'the worker thread ran checkpoints');
    assert.ok(ck.drains > 0, 'the WAL was started over');
    assert.ok(unbounded > 40 * PAGES, `an unchecked WAL grows (${unbounded} pages)`);
    // The WAL starts over once a finished round saw it at the restart length: it holds at most that,
    // plus what was written while that round and the one before it ran (the importer does not wait
    // for a slow checkpoint), plus the batches at either end. Batches are about 55 pages; how many
    // go by during a round depends on the disk: 318-379 pages (4 batches a round) on a quiet
    // machine, 750-915 (7-11) with three fsync-heavy writers beside it, and 895 in a CI run, against
    // 4,276 unchecked.
    const bound = PAGES + 60 * (2 * streak + 2);
    assert.ok(longest <= bound, `WAL reached ${longest} pages, restart length ${PAGES}, ${streak} batches during one round`);
    db.close();

    // Every row is there, read from the database file alone (the WAL is gone after the last close).
    assert.equal(fs.existsSync(path.join(dir, 'test.db-wal')), false);
    const check = new BetterSqlite3(path.join(dir, 'test.db'), { readonly: true });
    assert.equal((check.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, BATCHES * ROWS);
    assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
    check.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('no checkpointer for an in-memory database', async () => {
  const db = new BetterSqlite3(':memory:');
  assert.equal(await BackgroundCheckpointer.start(db, PAGES), null);
  db.close();
});
