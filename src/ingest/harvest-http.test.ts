import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPoliteHttp, retryAfterMs, userAgent, HttpError } from './polite-http.js';
import { databaseTurns } from './shared-slots.js';
import { DIALECTS, freshDatabase } from '../testing/databases.js';

// The polite client against a loopback server that answers as told.

async function server(handler: http.RequestListener) {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
  return {
    url,
    close: () =>
      new Promise<void>((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  };
}

const base = { userAgent: userAgent('0.1.0', 'ops@example.org'), intervalMs: 0, timeoutMs: 2000, maxRetries: 2, backoffMs: 1 };

test('requests to one host go one at a time, spaced by the interval after each answer, and name Paperboy and the contact', async () => {
  const seen: Array<{ at: number; ua: string }> = [];
  const s = await server((req, res) => {
    seen.push({ at: Date.now(), ua: String(req.headers['user-agent']) });
    // An answer that takes 30 ms: the interval is counted from the end of each answer.
    setTimeout(() => res.end('ok'), 30);
  });
  try {
    const client = createPoliteHttp({ ...base, intervalMs: 150 });
    await Promise.all([0, 1, 2].map(() => client.get(s.url, (r) => r.body)));
    assert.equal(seen.length, 3);
    assert.ok(seen[1].at - seen[0].at >= 175 && seen[2].at - seen[1].at >= 175, JSON.stringify(seen.map((x) => x.at - seen[0].at)));
    assert.equal(seen[0].ua, 'Paperboy/0.1.0 (self-hosted arXiv daily papers hub; ops@example.org)');
  } finally {
    await s.close();
  }
});

test('a slow answer times out and is retried; a 404 is not retried; the tally counts attempts', async () => {
  let calls = 0;
  const s = await server((req, res) => {
    calls++;
    if (req.url === '/missing') return void res.writeHead(404).end('no');
    // Later than the client's timeout: the timeout is what is tested.
    if (calls === 1) return void setTimeout(() => res.end('late'), 3000);
    res.end('ok');
  });
  try {
    const client = createPoliteHttp({ ...base, timeoutMs: 500 });
    const tally = { requests: 0, errors: 0 };
    assert.equal(await client.get(s.url, (r) => r.body, tally), 'ok');
    // The first attempt timed out; under a loaded machine a later one may too.
    assert.ok(tally.errors >= 1 && tally.requests === tally.errors + 1, JSON.stringify(tally));
    calls = 10;
    const t2 = { requests: 0, errors: 0 };
    await assert.rejects(
      client.get(`${s.url}missing`, (r) => r.body, t2),
      (e: unknown) => e instanceof HttpError && e.status === 404,
    );
    assert.deepEqual(t2, { requests: 1, errors: 1 });
  } finally {
    await s.close();
  }
});

test('backoff grows exponentially with full jitter, and Retry-After is a floor', async () => {
  const waits: number[] = [];
  const s = await server((_req, res) => void res.writeHead(500).end('down'));
  try {
    const client = createPoliteHttp({ ...base, maxRetries: 3, backoffMs: 100, random: () => 0.5, sleep: async (ms) => void waits.push(ms) });
    await assert.rejects(
      client.get(s.url, (r) => r.body),
      /failed after 4 attempts \(last: HTTP 500\)/,
    );
    assert.deepEqual(waits, [50, 100, 200]);
  } finally {
    await s.close();
  }
  assert.equal(retryAfterMs('7'), 7000);
  assert.equal(retryAfterMs(new Date(Date.now() + 60_000).toUTCString(), Date.now())! > 58_000, true);
  assert.equal(retryAfterMs('soon'), null);
});

for (const dialect of DIALECTS) {
  test(`[${dialect}] two processes sharing a database keep one pace per host between them`, async () => {
    const db = await freshDatabase(dialect);
    const starts: number[] = [];
    const s = await server((_req, res) => {
      starts.push(Date.now());
      res.end('ok');
    });
    try {
      // Two clients stand for two worker processes: each has its own in-process queue.
      const a = createPoliteHttp({ ...base, intervalMs: 200, sharedTurn: databaseTurns(db) });
      const b = createPoliteHttp({ ...base, intervalMs: 200, sharedTurn: databaseTurns(db) });
      await Promise.all([a, b, a, b].map((c) => c.get(s.url, (r) => r.body)));
      starts.sort((x, y) => x - y);
      const gaps = starts.slice(1).map((t, i) => t - starts[i]);
      assert.equal(starts.length, 4);
      // Alone, each client would send its first request at once (a gap near 0 ms); a few ms of
      // slack for when the loopback server sees the connection.
      assert.ok(
        gaps.every((g) => g >= 170),
        `gaps ${gaps.join(', ')} ms`,
      );
    } finally {
      await s.close();
      await db.destroy();
    }
  });
}
