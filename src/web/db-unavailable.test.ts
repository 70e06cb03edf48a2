import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { loadConfig } from '../config.js';
import { buildPaper } from '../papers/paper.js';
import { createPaperStore } from '../papers/store.js';
import { openDatabase } from '../storage/database.js';
import { databaseUnavailable } from '../storage/unavailable.js';
import { freshDatabase } from '../testing/databases.js';
import { buildTestApp } from '../testing/test-app.js';

// While the database cannot be used (PostgreSQL stopped, SQLite locked by another writer), pages
// and the API answer a friendly 503 with Retry-After, not a generic 500.

/** A loopback port nothing listens on: PostgreSQL stopped. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('PostgreSQL stopped: pages answer a 503 page, the API a 503 {error, message}, both with Retry-After', async () => {
  const database = await openDatabase(`postgres://paperboy@127.0.0.1:${await closedPort()}/paperboy`);
  const { app } = await buildTestApp({ config: loadConfig({ LOG_LEVEL: 'silent', SESSION_SECRET: 'test-secret' }), database });
  try {
    for (const url of ['/', '/papers/2501.00001', '/search?q=models']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 503, `${url}: ${res.body.slice(0, 200)}`);
      assert.ok(Number(res.headers['retry-after']) > 0, url);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /503 · Temporarily unavailable/);
      assert.match(res.body, /The database cannot be reached right now/);
    }
    for (const url of ['/api/daily_papers', '/api/papers/2501.00001', '/api/papers/search?q=models']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 503, `${url}: ${res.body.slice(0, 200)}`);
      assert.ok(Number(res.headers['retry-after']) > 0, url);
      assert.deepEqual(Object.keys(res.json()), ['error', 'message']);
      assert.equal(res.json().error, 'Service Unavailable');
      assert.match(res.json().message, /^storage: The database cannot be reached right now/);
    }
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 503);
  } finally {
    await app.close();
    await database.close();
  }
});

test('SQLite locked by another writer: a write through the API answers 503 busy with Retry-After', async () => {
  const db = await freshDatabase('sqlite');
  const other = await openDatabase(db.url);
  try {
    // The wait for the lock is the test's to shorten; the answer is what matters.
    db.sqlite!.pragma('busy_timeout = 50');
    const papers = createPaperStore(db);
    await papers.upsertMany([buildPaper({ id: '2501.00001' })]);
    const { app, deps } = await buildTestApp({ database: db, papers });
    const user = await deps.community.accounts.createUser({ email: 'a@example.org', username: 'alice' });
    const auth = { authorization: `Bearer ${(await deps.community.accounts.createApiToken(user.id, 'test')).token}` };
    other.sqlite!.exec('BEGIN IMMEDIATE');
    const res = await app.inject({ method: 'POST', url: '/api/papers/2501.00001/upvote', headers: auth });
    assert.equal(res.statusCode, 503, res.body);
    assert.ok(Number(res.headers['retry-after']) > 0);
    assert.equal(res.json().error, 'Service Unavailable');
    assert.match(res.json().message, /database is busy/);
    other.sqlite!.exec('COMMIT');
    const again = await app.inject({ method: 'POST', url: '/api/papers/2501.00001/upvote', headers: auth });
    assert.equal(again.statusCode, 200, again.body);
    await app.close();
  } finally {
    await other.close();
    await db.destroy();
  }
});

test('which errors mean the database is unavailable, and which are bugs', () => {
  const err = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  assert.equal(databaseUnavailable(err('ECONNREFUSED')), 'unreachable');
  assert.equal(databaseUnavailable(err('57P01', 'terminating connection due to administrator command')), 'unreachable');
  assert.equal(databaseUnavailable(err('08006')), 'unreachable');
  assert.equal(databaseUnavailable(new Error('Connection terminated unexpectedly')), 'unreachable');
  assert.equal(databaseUnavailable(Object.assign(new AggregateError([err('ECONNREFUSED'), err('ECONNREFUSED')]), { code: undefined })), 'unreachable');
  assert.equal(databaseUnavailable(err('SQLITE_BUSY')), 'busy');
  assert.equal(databaseUnavailable(err('SQLITE_FULL')), 'disk full');
  assert.equal(databaseUnavailable(err('53100')), 'disk full');
  assert.equal(databaseUnavailable(err('SQLITE_IOERR_WRITE')), 'io error');
  assert.equal(databaseUnavailable(err('SQLITE_READONLY')), 'read-only');
  for (const bug of [err('SQLITE_CONSTRAINT_UNIQUE'), err('42P01'), err('23505'), new TypeError('x is undefined'), null]) {
    assert.equal(databaseUnavailable(bug), null, String(bug));
  }
});

test('disk full at run time: a write answers 503 that says so, and /healthz says 503 below DISK_MIN_FREE_MB', async () => {
  const db = await freshDatabase('sqlite');
  try {
    const papers = createPaperStore(db);
    const ids = Array.from({ length: 1000 }, (_, i) => `2501.${String(10000 + i)}`);
    await papers.upsertMany(ids.map((id) => buildPaper({ id })));
    // Free space below a petabyte stands for a full disk.
    const config = loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: db.url, DISK_MIN_FREE_MB: '1000000000' });
    const { app, deps } = await buildTestApp({ config, database: db, papers });
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 503, health.body);
    assert.match(health.json().message, /^disk full: [\d.]+ MiB free for DATA_DIR .* below DISK_MIN_FREE_MB=1000000000/);
    const user = await deps.community.accounts.createUser({ email: 'a@example.org', username: 'alice' });
    const auth = { authorization: `Bearer ${(await deps.community.accounts.createApiToken(user.id, 'test')).token}` };
    // The database may not grow by a page: SQLite answers SQLITE_FULL as on a full disk, once the
    // upvotes fill the pages there are.
    db.sqlite!.pragma(`max_page_count = ${Number(db.sqlite!.pragma('page_count', { simple: true }))}`);
    let res = null;
    for (const id of ids) {
      res = await app.inject({ method: 'POST', url: `/api/papers/${id}/upvote`, headers: auth });
      if (res.statusCode !== 200) break;
    }
    assert.equal(res?.statusCode, 503, res?.body);
    assert.match(res.json().message, /^storage: The server has run out of disk space/);
    await app.close();
  } finally {
    await db.destroy();
  }
});
