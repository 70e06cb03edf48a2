import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDatabase } from '../testing/databases.js';
import { waitFor } from '../testing/wait.js';
import { buildPaper } from './paper.js';
import { createPaperStore } from './store.js';
import { copyLine, copyValue } from './store-postgres.js';
import { contentHash } from './paper.js';
import { ROW_COLUMNS, row } from './upsert-plan.js';

test('COPY text format: backslash, tab, newline and CR are escaped, NULL is \\N, the rest goes as it is', () => {
  assert.equal(copyValue(null), '\\N');
  assert.equal(copyValue(''), '');
  assert.equal(copyValue(3), '3');
  assert.equal(copyValue('\\N'), '\\\\N');
  assert.equal(copyValue('a\\b\tc\nd\re\\'), 'a\\\\b\\tc\\nd\\re\\\\');
  assert.equal(copyValue('$\\alpha$ <&> Ünï 数学 🧪 \u0007'), '$\\\\alpha$ <&> Ünï 数学 🧪 \u0007');
  const r = buildPaper({ title: 'x\ty', comments: null });
  const line = copyLine(row(r, contentHash(r), '2026-01-01T00:00:00.000Z'));
  assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
  const fields = line.slice(0, -1).split('\t');
  assert.equal(fields.length, ROW_COLUMNS.length);
  assert.equal(fields[ROW_COLUMNS.indexOf('title')], 'x\\ty');
  assert.equal(fields[ROW_COLUMNS.indexOf('comments')], '\\N');
});

/** Another writer's insert of a paper's row, as the store writes it (in `client`'s open transaction). */
async function insertRow(client: pg.Client, paper: ReturnType<typeof buildPaper>): Promise<void> {
  const values = row(paper, contentHash(paper), new Date().toISOString());
  await client.query(
    `INSERT INTO papers (${ROW_COLUMNS.join(', ')}) VALUES (${ROW_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
    ROW_COLUMNS.map((c) => values[c]),
  );
}

/** Until a session of the database waits on a lock (the store's writer, on `client`'s row). */
async function waitForLockWait(client: pg.Client): Promise<void> {
  const waiting = "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
  await waitFor(async () => ((await client.query(waiting)).rowCount ?? 0) > 0, { what: "the second writer to wait for the first one's row" });
}

test('[postgres] a writer that finds a newer version committed under it by another writer leaves it in place', async () => {
  // Two harvest workers: one stores version 3 while the other is about to store version 2 of a
  // paper that neither had seen. The second writer's insert waits on the first one's row and then
  // finds it; an older version must never replace a newer one, whichever committed first.
  const db = await freshDatabase('postgres');
  const other = new pg.Client({ connectionString: db.url });
  await other.connect();
  try {
    const store = createPaperStore(db);
    const v3 = buildPaper({ id: '2401.30001', version: 3, title: 'v3 title' });
    const v2 = buildPaper({ id: '2401.30001', version: 2, title: 'v2 title' });
    await other.query('BEGIN');
    await insertRow(other, v3);
    const second = store.upsertMany([v2]);
    await waitForLockWait(other);
    await other.query('COMMIT');
    const s = await second;
    assert.deepEqual([s.inserted, s.updated, s.unchanged], [0, 0, 1]);
    assert.equal(s.outcomes.get('2401.30001'), 'unchanged');
    const p = await store.get('2401.30001');
    assert.equal(p?.version, 3);
    assert.equal(p?.title, 'v3 title');
  } finally {
    await other.end();
    await db.destroy();
  }
});

test('[postgres] a batch that fails leaves nothing of itself, and the connection writes the next batch', async () => {
  const db = await freshDatabase('postgres');
  try {
    const store = createPaperStore(db);
    // PostgreSQL text cannot hold U+0000: the whole batch is refused, the good paper in it too.
    await assert.rejects(store.upsertMany([buildPaper({ id: '2401.30002' }), buildPaper({ id: '2401.30003', title: 'nul \u0000 here' })]));
    assert.equal(await store.count(), 0);
    // Nothing of the failed batch is left staged for the next one on the same connection.
    for (let i = 0; i < 12; i++) assert.equal((await store.upsertMany([buildPaper({ id: `2401.${31000 + i}` })])).inserted, 1);
    assert.equal(await store.count(), 12);
    assert.equal(await store.get('2401.30002'), null);
  } finally {
    await db.destroy();
  }
});

test('[postgres] two writers of one new paper: the later one replaces the category rows, and deleting papers deletes theirs', async () => {
  // The category rows are written with a plain INSERT and have no foreign key (migration 0023): a
  // writer that waited on another's insert of the same paper must take the update path and
  // replace that writer's rows, not collide with them; a statement trigger deletes them with the paper.
  const db = await freshDatabase('postgres');
  const other = new pg.Client({ connectionString: db.url });
  await other.connect();
  try {
    const store = createPaperStore(db);
    const first = buildPaper({ id: '2401.30010', version: 1, title: 'first', categories: ['cs.LG', 'stat.ML'] });
    const later = buildPaper({ id: '2401.30010', version: 2, title: 'later', categories: ['cs.CL', 'cs.LG', 'cs.CL'] });
    await other.query('BEGIN');
    await insertRow(other, first);
    await other.query("INSERT INTO paper_categories (paper_id, category, position) VALUES ('2401.30010', 'cs.LG', 0), ('2401.30010', 'stat.ML', 1)");
    const second = store.upsertMany([later]);
    await waitForLockWait(other);
    await other.query('COMMIT');
    assert.equal((await second).outcomes.get('2401.30010'), 'updated');
    const categories = async (id: string) =>
      (await other.query('SELECT category, position FROM paper_categories WHERE paper_id = $1 ORDER BY position', [id])).rows.map(
        (r) => `${r.category}:${r.position}`,
      );
    assert.deepEqual(await categories('2401.30010'), ['cs.CL:0', 'cs.LG:1']);

    await store.upsertMany([buildPaper({ id: '2401.30011', categories: ['math.OC'] }), buildPaper({ id: '2401.30012', categories: ['q-bio.NC', 'cs.NE'] })]);
    await other.query("DELETE FROM papers WHERE id IN ('2401.30010', '2401.30012')");
    assert.deepEqual(await categories('2401.30010'), []);
    assert.deepEqual(await categories('2401.30012'), []);
    assert.deepEqual(await categories('2401.30011'), ['math.OC:0']);
  } finally {
    await other.end();
    await db.destroy();
  }
});
