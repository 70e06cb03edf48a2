import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listMigrations, migrate, schemaStatus, assertSchemaCurrent } from './migrate.js';
import { openDatabase } from './database.js';
import { DIALECTS, freshDatabaseUrl } from '../testing/databases.js';

test('both dialects have the same migration numbering and names', () => {
  const a = listMigrations('sqlite').map((m) => `${m.version}_${m.name}`);
  const b = listMigrations('postgres').map((m) => `${m.version}_${m.name}`);
  assert.ok(a.length > 0);
  assert.deepEqual(a, b);
});

for (const dialect of DIALECTS) {
  test(`[${dialect}] the server refuses an old schema; migrate applies each file once, also when run twice at once`, async () => {
    const { url, drop } = await freshDatabaseUrl(dialect);
    const one = await openDatabase(url);
    const two = await openDatabase(url);
    try {
      await assert.rejects(assertSchemaCurrent(one), /schema is out of date.*paperboy migrate/);
      // better-sqlite3 is synchronous: two connections in one process would wait on each other
      // inside one thread, so SQLite's two migrators run one after the other (separate processes
      // wait on the write lock instead); PostgreSQL's run at once.
      const [x, y] = dialect === 'postgres' ? await Promise.all([migrate(one), migrate(two)]) : [await migrate(one), await migrate(two)];
      assert.equal(x.length + y.length, listMigrations(dialect).length);
      const st = await schemaStatus(one);
      assert.equal(st.pending.length, 0);
      assert.equal(st.current, st.latest);
      await assertSchemaCurrent(one);
      assert.deepEqual(await migrate(one), []);
    } finally {
      await one.close();
      await two.close();
      await drop();
    }
  });
}
