import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { buildPaper } from '../../papers/paper.js';
import { createPaperStore } from '../../papers/store.js';
import { DIALECTS, freshDatabase } from '../../testing/databases.js';
import { FEED_START, type FeedPosition, type PaperChange, readChanges } from './change-feed.js';

const paper = (id: string, title: string) => buildPaper({ id, title, abstract: `About ${title.toLowerCase()}.`, authors: ['Ada Lovelace'] });

async function read(db: Parameters<typeof readChanges>[0], from: FeedPosition): Promise<{ changes: PaperChange[]; next: FeedPosition }> {
  const changes: PaperChange[] = [];
  const next = await readChanges(db, from, (c) => {
    changes.push(...c);
  });
  return { changes, next };
}

for (const dialect of DIALECTS) {
  test(`[${dialect}] the change feed gives inserts, text changes and deletes, each paper once with its text now`, async () => {
    const db = await freshDatabase(dialect);
    try {
      const store = createPaperStore(db);
      await store.upsertMany([paper('2501.00001', 'Quokka smiles'), paper('2501.00002', 'Wombat burrows')]);
      const first = await read(db, FEED_START);
      assert.deepEqual(
        first.changes.map((c) => [c.id, c.paper?.title]),
        [
          ['2501.00001', 'Quokka smiles'],
          ['2501.00002', 'Wombat burrows'],
        ],
      );
      assert.ok(first.changes[0].seq < first.changes[1].seq);
      assert.equal(first.next.through, first.changes[1].seq);
      // Nothing new: nothing read.
      assert.deepEqual((await read(db, first.next)).changes, []);
      // The same content again changes nothing; a new title does, once.
      await store.upsertMany([paper('2501.00001', 'Quokka smiles')]);
      assert.deepEqual((await read(db, first.next)).changes, []);
      await store.upsertMany([buildPaper({ ...paper('2501.00002', 'Wombat digs'), version: 2 })]);
      const changed = await read(db, first.next);
      assert.deepEqual(
        changed.changes.map((c) => [c.id, c.paper?.title]),
        [['2501.00002', 'Wombat digs']],
      );
      await db.db.deleteFrom('papers').where('id', '=', '2501.00001').execute();
      const deleted = await read(db, changed.next);
      assert.deepEqual(
        deleted.changes.map((c) => [c.id, c.paper]),
        [['2501.00001', null]],
      );
      // From the start: every paper once, at its last change (the deleted one as a deletion).
      assert.deepEqual(
        (await read(db, FEED_START)).changes.map((c) => [c.id, c.paper?.title ?? null]),
        [
          ['2501.00002', 'Wombat digs'],
          ['2501.00001', null],
        ],
      );
    } finally {
      await db.destroy();
    }
  });
}

test('[postgres] a change committed after one with a higher sequence number is still read', async () => {
  const db = await freshDatabase('postgres');
  const early = new pg.Client({ connectionString: db.url });
  const late = new pg.Client({ connectionString: db.url });
  await early.connect();
  await late.connect();
  const insert = (c: pg.Client, id: string, title: string) =>
    c.query(
      `INSERT INTO papers (id, version, title, abstract, authors, categories, primary_category, published_at, updated_at, content_hash, ingested_at)
       VALUES ($1, 1, $2, 'An abstract.', '[]', '["cs.LG"]', 'cs.LG', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', $1, '2025-01-01T00:00:00.000Z')`,
      [id, title],
    );
  try {
    // The early transaction takes its sequence number first but commits last.
    await early.query('BEGIN');
    await insert(early, '2501.00001', 'Taken first, committed last');
    await late.query('BEGIN');
    await insert(late, '2501.00002', 'Taken last, committed first');
    await late.query('COMMIT');
    const first = await read(db, FEED_START);
    assert.deepEqual(
      first.changes.map((c) => c.id),
      ['2501.00002'],
    );
    await early.query('COMMIT');
    const second = await read(db, first.next);
    assert.deepEqual(
      second.changes.map((c) => c.id),
      ['2501.00001'],
      'the change with the lower sequence number, committed late, is read',
    );
    // A reader that went on from the highest number it saw would never have read it.
    assert.ok(second.changes[0].seq < first.changes[0].seq);
    // Every transaction of the first read has finished: the position moves past both, and the
    // late one is not read again.
    const third = await read(db, second.next);
    assert.deepEqual(third.changes, []);
    assert.equal(third.next.through, first.changes[0].seq);
    assert.deepEqual(third.next.seen, []);
    assert.deepEqual(third.next.marks, []);
  } finally {
    await early.end();
    await late.end();
    await db.destroy();
  }
});
