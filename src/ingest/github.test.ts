import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGithubClient, githubRepoOf } from './github.js';
import { GONE_RECHECK_MS, refreshStars } from './github-stars.js';
import { githubStarsJob } from '../jobs/definitions.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { buildTestApp } from '../testing/test-app.js';
import { loadConfig } from '../config.js';
import { createPaperStore } from '../papers/store.js';
import { buildPaper } from '../papers/paper.js';

// The stars of papers' repositories against a loopback fake of the GitHub REST API (a real HTTP
// server): 200 with an ETag, 304 for the same ETag, 404 for a deleted repository, 403 with the
// rate limit spent until X-RateLimit-Reset, 5xx then success. The clock and the waits are the
// test's: a wait is asserted by its length, not slept.

const TOKEN = 'ghp_test-token-never-logged';
const T0 = Date.parse('2026-05-20T12:00:00.000Z');

interface Seen {
  path: string;
  ifNoneMatch: string | undefined;
  authorization: string | undefined;
}

describe('GitHub stars', () => {
  let server: http.Server;
  let apiUrl: string;
  const seen: Seen[] = [];
  const stars: Record<string, number> = { 'lab/kernels': 120, 'lab/tables': 40 };
  for (let i = 1; i <= 8; i++) stars[`lab/r${i}`] = i;
  // Queued answers per path, used before the normal one.
  const queued = new Map<string, { status: number; headers?: Record<string, string> }[]>();
  let resetAt = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      const path = req.url ?? '';
      seen.push({ path, ifNoneMatch: req.headers['if-none-match'], authorization: req.headers.authorization });
      const q = queued.get(path)?.shift();
      if (q) {
        res.writeHead(q.status, { 'content-type': 'application/json', ...q.headers });
        res.end('{"message":"fake"}');
        return;
      }
      const repo = path.replace(/^\/repos\//, '');
      if (!(repo in stars)) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"message":"Not Found"}');
        return;
      }
      const etag = `W/"${repo}-${stars[repo]}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', etag, 'x-ratelimit-remaining': '4999' });
      res.end(JSON.stringify({ full_name: repo, stargazers_count: stars[repo] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  function client(now: () => number, waits: number[]) {
    return createGithubClient({
      apiUrl,
      token: TOKEN,
      userAgent: 'Paperboy/test',
      backoffMs: 1000,
      maxRetries: 3,
      now,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
  }

  test('the client: 200 with ETag, 304 on the same ETag, 404 gone, 403 rate limited waits until the reset, 5xx backs off', async () => {
    const waits: number[] = [];
    const gh = client(() => T0, waits);
    const first = await gh.repo('lab/kernels', null);
    assert.deepEqual(first, { status: 'ok', stars: 120, etag: 'W/"lab/kernels-120"' });
    assert.equal(seen.at(-1)?.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(await gh.repo('lab/kernels', 'W/"lab/kernels-120"'), { status: 'not-modified' });
    assert.equal(seen.at(-1)?.ifNoneMatch, 'W/"lab/kernels-120"');
    assert.deepEqual(await gh.repo('lab/deleted', null), { status: 'gone' });

    resetAt = T0 / 1000 + 120;
    queued.set('/repos/lab/tables', [{ status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetAt) } }]);
    assert.deepEqual(await gh.repo('lab/tables', null), { status: 'ok', stars: 40, etag: 'W/"lab/tables-40"' });
    // It waited until the reset (and a second more for clock skew) before asking again.
    assert.deepEqual(waits, [121_000]);

    queued.set('/repos/lab/tables', [{ status: 502 }, { status: 503 }]);
    waits.length = 0;
    assert.equal((await gh.repo('lab/tables', null)).status, 'ok');
    assert.deepEqual(waits, [1000, 2000]);
  });

  test('one request at a time: calls made together reach GitHub one after another', async () => {
    const gh = client(Date.now, []);
    const before = seen.length;
    const answers = await Promise.all(['lab/kernels', 'lab/tables', 'lab/kernels'].map((r) => gh.repo(r, null)));
    assert.deepEqual(
      answers.map((a) => a.status),
      ['ok', 'ok', 'ok'],
    );
    assert.deepEqual(
      seen.slice(before).map((s) => s.path),
      ['/repos/lab/kernels', '/repos/lab/tables', '/repos/lab/kernels'],
    );
  });

  test('githubRepoOf reads owner/name from the links papers hold', () => {
    assert.equal(githubRepoOf('https://github.com/Lab/Kernels'), 'Lab/Kernels');
    assert.equal(githubRepoOf('http://www.github.com/lab/kernels.git/'), 'lab/kernels');
    assert.equal(githubRepoOf('https://github.com/lab/kernels/tree/main/src'), 'lab/kernels');
    assert.equal(githubRepoOf('https://gitlab.com/lab/kernels'), null);
    assert.equal(githubRepoOf('https://github.com/lab'), null);
  });

  describe('the refresh job, on a database', () => {
    let db: TestDatabase;
    before(async () => {
      db = await freshDatabase('sqlite');
      await createPaperStore(db).upsertMany([
        buildPaper({ id: '2605.00001', abstract: 'Code: https://github.com/lab/kernels.' }),
        buildPaper({ id: '2605.00002', abstract: 'Code: https://github.com/lab/deleted' }),
        buildPaper({ id: '2605.00003', abstract: 'Data: https://huggingface.co/datasets/lab/x' }),
      ]);
    });
    after(async () => db.destroy());

    test('stores a count per repository and day, asks with the ETag next time, marks a deleted repository and asks it rarely; the token is never logged', async () => {
      let now = T0;
      const gh = client(() => now, []);
      const day = 24 * 3600_000;
      const r1 = await refreshStars(db, gh, { now: () => now, refreshMs: day });
      assert.deepEqual(r1, { asked: 2, updated: 1, notModified: 0, gone: 1, failed: 0 });
      const deleted = await db.db.selectFrom('github_repos').selectAll().where('repo', '=', 'lab/deleted').executeTakeFirstOrThrow();
      assert.equal(deleted.gone, 1);
      assert.equal(deleted.next_check_at, new Date(T0 + GONE_RECHECK_MS).toISOString());

      // A day later: only the live repository is due, asked conditionally; its count stays, recorded for the day.
      now = T0 + day;
      const before = seen.length;
      const r2 = await refreshStars(db, gh, { now: () => now, refreshMs: day });
      assert.deepEqual(r2, { asked: 1, updated: 0, notModified: 1, gone: 0, failed: 0 });
      assert.equal(seen.length, before + 1);
      assert.equal(seen.at(-1)?.ifNoneMatch, 'W/"lab/kernels-120"');

      // Two days later the repository has gained stars.
      now = T0 + 2 * day;
      stars['lab/kernels'] = 150;
      const lines: string[] = [];
      await githubStarsJob(db, gh, 24, (l) => lines.push(l)).run({ slot: 0, signal: new AbortController().signal } as never);
      // The job runs on the real clock (its refresh is due anyway); the counts per day are what matter.
      const days = await db.db
        .selectFrom('github_repo_stars')
        .select(['day', 'stars'])
        .where('url', '=', 'https://github.com/lab/kernels')
        .orderBy('day')
        .execute();
      assert.deepEqual(
        days.slice(0, 2).map((d) => [d.day, Number(d.stars)]),
        [
          ['2026-05-20', 120],
          ['2026-05-21', 120],
        ],
      );
      assert.equal(Number(days.at(-1)?.stars), 150);
      assert.ok(lines.length > 0);
      for (const l of lines) assert.ok(!l.includes(TOKEN), l);
    });
  });
  for (const dialect of DIALECTS) {
    describe(`stars of newly linked repositories, and workers at once [${dialect}]`, () => {
      let db: TestDatabase;
      const day = 24 * 3600_000;
      before(async () => {
        db = await freshDatabase(dialect);
      });
      after(async () => db.destroy());

      test('a linked repository not asked yet shows githubStars null (not 0) and no count on its page; the job asks about it before older due ones', async () => {
        await createPaperStore(db).upsertMany([
          buildPaper({ id: '2605.00011', abstract: 'Code: https://github.com/lab/kernels' }),
          buildPaper({ id: '2605.00012', abstract: 'Code: https://github.com/lab/tables' }),
        ]);
        // kernels was counted two days ago and is due since yesterday; tables was linked just now.
        await db.db
          .insertInto('github_repos')
          .values({
            url: 'https://github.com/lab/kernels',
            repo: 'lab/kernels',
            stars: 120,
            etag: null,
            checked_at: new Date(T0 - 2 * day).toISOString(),
            next_check_at: new Date(T0 - day).toISOString(),
            gone: 0,
            failures: 0,
          })
          .execute();
        const { app } = await buildTestApp({ database: db, config: loadConfig({ LOG_LEVEL: 'silent' }) });
        try {
          const api = async (id: string) => (await app.inject(`/api/papers/${id}`)).json().githubStars;
          assert.equal(await api('2605.00012'), null);
          assert.equal(await api('2605.00011'), 120, 'a paper never featured shows its counted stars too');
          assert.doesNotMatch((await app.inject('/papers/2605.00012')).body, /★/);
          assert.match((await app.inject('/papers/2605.00011')).body, /★ 120/);

          const r = await refreshStars(
            db,
            client(() => T0, []),
            { now: () => T0, refreshMs: day, limit: 1 },
          );
          assert.equal(r.asked, 1);
          assert.equal(seen.at(-1)?.path, '/repos/lab/tables', 'the never-counted repository first');
          assert.equal(await api('2605.00012'), 40);
          assert.match((await app.inject('/papers/2605.00012')).body, /★ 40/);
        } finally {
          await app.close();
        }
      });

      test('two workers refreshing at once ask GitHub about each repository once', async () => {
        await createPaperStore(db).upsertMany(
          Array.from({ length: 8 }, (_, i) => buildPaper({ id: `2605.0010${i + 1}`, abstract: `Code: https://github.com/lab/r${i + 1}` })),
        );
        const now = () => T0 + 10 * day;
        const from = seen.length;
        const [a, b] = await Promise.all([
          refreshStars(db, client(now, []), { now, refreshMs: day }),
          refreshStars(db, client(now, []), { now, refreshMs: day }),
        ]);
        const paths = seen.slice(from).map((x) => x.path);
        assert.equal(paths.length, a.asked + b.asked);
        assert.deepEqual([...paths].sort(), [...new Set(paths)].sort(), `no repository asked twice: ${paths.join(' ')}`);
        // The eight new ones and the two due again ten days on.
        assert.equal(paths.length, 10);
        const counted = await db.db.selectFrom('github_repos').select(['repo', 'stars']).where('repo', 'like', 'lab/r%').orderBy('repo').execute();
        assert.deepEqual(
          counted.map((c) => Number(c.stars)),
          [1, 2, 3, 4, 5, 6, 7, 8],
        );
      });
    });
  }
});
