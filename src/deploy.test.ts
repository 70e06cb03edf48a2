import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from './config.js';
import { freshDatabaseUrl } from './testing/databases.js';
import { freePort } from './testing/pg-cluster.js';
import { REPO_ROOT } from './testing/paths.js';
import { waitFor } from './testing/wait.js';

// The deployment of deploy/README.md, in small: two web processes and one worker/scheduler of the
// built app (`paperboy serve`), each with its own DATA_DIR and the same SESSION_SECRET, on one
// throw-away PostgreSQL database. What one process writes, the other serves; a web process killed
// with SIGKILL loses nothing it acknowledged, and started again it joins on its own.

const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli.js');
/** how long a write may take to reach the other process: the page cache's bound and the search index's catch-up, with room for a loaded machine */
const CATCH_UP_MS = 20_000;

interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<void>;
}

/** Every server started, so that none outlives the test, even one whose start failed or ran late. */
const started: Proc[] = [];

/** `paperboy ARGS` as a child process; resolves once its output matches `ready`. */
function startCli(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Proc> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  started.push({ child, out: () => out, exited });
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      if (ready.test(out)) resolve({ child, out: () => out, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`paperboy ${args.join(' ')} exited with ${code ?? signal} before it was ready:\n${out}`)));
  });
}

/** `paperboy ARGS` to its end; throws with its output when it fails. */
async function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`paperboy ${args.join(' ')} exited with ${code}:\n${out}`);
  return out;
}

/** Stop a child and wait for it: SIGKILL is the test's own fault, SIGTERM a clean shutdown. */
async function stop(p: Proc | null, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  // A shutdown that hangs is not what these tests are about: it gets 10 s, then SIGKILL.
  const late = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  await p.exited;
  clearTimeout(late);
}

/** A snapshot line (the Kaggle layout `paperboy import` reads) of a paper published yesterday, so members may still submit it. */
function snapshotLine(id: string, title: string, abstract: string): string {
  const published = new Date(Date.now() - 86_400_000).toUTCString();
  return JSON.stringify({ id, title, abstract, authors: 'Ada Lovelace, Alan Turing', categories: 'cs.LG', versions: [{ version: 'v1', created: published }] });
}

describe('[postgres] two web processes and a worker on one database', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-deploy-'));
  // New-style ids of this month, numbered from 90001 so no real paper's id is taken.
  const month = new Date(Date.now() - 86_400_000).toISOString().slice(2, 7).replace('-', '');
  const paperId = (n: number) => `${month}.${90000 + n}`;
  let db: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  let common: NodeJS.ProcessEnv;
  const ports = { a: 0, b: 0 };
  const procs: { a: Proc | null; b: Proc | null; worker: Proc | null } = { a: null, b: null, worker: null };
  const tokens: string[] = [];

  const webEnv = (name: 'a' | 'b'): NodeJS.ProcessEnv => ({ ...common, SERVICES: 'web', PORT: String(ports[name]), DATA_DIR: path.join(dir, `data-${name}`) });
  const startWeb = (name: 'a' | 'b') => startCli(['serve'], webEnv(name), /paperboy: serving http:\/\/\S+ \(postgres\)/);
  const url = (name: 'a' | 'b', p: string) => `http://127.0.0.1:${ports[name]}${p}`;
  const importLines = async (file: string, lines: string[]) => {
    fs.writeFileSync(path.join(dir, file), `${lines.join('\n')}\n`);
    return runCli(['import', path.join(dir, file), '--quiet'], { ...common, DATA_DIR: path.join(dir, 'data-import') });
  };
  const searchIds = async (name: 'a' | 'b', q: string): Promise<string[]> => {
    const res = await fetch(url(name, `/api/papers/search?q=${encodeURIComponent(q)}`));
    assert.equal(res.status, 200, `search on ${name}: ${res.status}`);
    return ((await res.json()) as { paper: { id: string } }[]).map((e) => e.paper.id);
  };
  const api = (name: 'a' | 'b', method: string, p: string, token: string, body?: unknown) =>
    fetch(url(name, p), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  /** the upvote count on a paper's card of an anonymous feed page */
  const cardCount = (html: string, id: string): number | null => {
    const m = new RegExp(`data-paper-id="${id.replace('.', '\\.')}"[\\s\\S]*?<span class="count"[^>]*>(\\d+)</span>`).exec(html);
    return m ? Number(m[1]) : null;
  };

  // Five CLI runs and three servers starting take seconds, more on a loaded machine.
  before(
    async () => {
      db = await freshDatabaseUrl('postgres');
      common = {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: db.url,
        SESSION_SECRET: 'deploy-test-secret-shared-by-every-process',
        HOST: '127.0.0.1',
        EMBEDDER: 'none',
        LOG_LEVEL: 'silent',
        DEMO_DATA: 'off',
        PAGE_CACHE_STALE: '1',
        SUBMIT_DAILY_CAP: '1000',
        SUBMIT_RATE_LIMIT: '100000',
        // Nothing leaves the machine: the scheduler's harvest waits for ARXIV_CONTACT, and /submit's fetcher is never asked (every paper is imported).
        ARXIV_CONTACT: '',
      };
      loadConfig(common); // the children would refuse bad settings; fail here instead
      // The papers there before the processes start, then three members with API tokens.
      await importLines(
        'first.jsonl',
        Array.from({ length: 30 }, (_, i) => snapshotLine(paperId(i + 1), `Deployment paper number ${i + 1}`, 'A paper for the deployment test.')),
      );
      const created = await Promise.all(
        [0, 1, 2].map((i) => runCli(['user', 'create', '--email', `m${i}@example.org`, '--username', `member${i}`, '--token'], common)),
      );
      for (const out of created) tokens.push(/^token: (\S+)$/m.exec(out)![1]);
      [ports.a, ports.b] = [await freePort(), await freePort()];
      [procs.a, procs.b, procs.worker] = await Promise.all([
        startWeb('a'),
        startWeb('b'),
        startCli(['serve'], { ...common, SERVICES: 'worker,scheduler', DATA_DIR: path.join(dir, 'data-worker') }, /paperboy: worker running/),
      ]);
    },
    { timeout: 120_000 },
  );

  after(async () => {
    await Promise.all(started.map((p) => stop(p)));
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a paper imported while they run is found by search on both web processes', async () => {
    await importLines('second.jsonl', [snapshotLine(paperId(100), 'Quasiperiodic zygomorphic lattices', 'Imported while two web processes serve.')]);
    for (const name of ['b', 'a'] as const) {
      await waitFor(async () => (await searchIds(name, 'zygomorphic')).includes(paperId(100)), {
        what: `web process ${name} to find the imported paper`,
        timeoutMs: CATCH_UP_MS,
        intervalMs: 100,
      });
    }
  });

  test("a vote through A shows on B's anonymous page", async () => {
    const id = paperId(1);
    const submitted = await api('a', 'POST', '/api/papers/submit', tokens[0], { arxivId: id });
    assert.equal(submitted.status, 201, await submitted.text());
    // B's home page is the day's feed, cached for anonymous visitors: first with the paper at 0 votes...
    await waitFor(async () => cardCount(await (await fetch(url('b', '/'))).text(), id) === 0, {
      what: "the submission on B's home page",
      timeoutMs: CATCH_UP_MS,
      intervalMs: 100,
    });
    const voted = await api('a', 'POST', `/api/papers/${id}/upvote`, tokens[1]);
    const vote = await voted.text();
    assert.equal(voted.status, 200, vote);
    assert.equal((JSON.parse(vote) as { paper: { upvotes: number } }).paper.upvotes, 1);
    // ...then with the vote taken by A, within PAGE_CACHE_STALE (the cache checks the feed version in the database).
    await waitFor(async () => cardCount(await (await fetch(url('b', '/'))).text(), id) === 1, {
      what: "the vote on B's home page",
      timeoutMs: CATCH_UP_MS,
      intervalMs: 100,
    });
  });

  test("a form from A's page is accepted by B (one SESSION_SECRET)", async () => {
    // nginx sends the page and the form's POST to whichever process it picks.
    const form = await fetch(url('a', '/signin'));
    const cookie = /pb_csrf=[^;]+/.exec(form.headers.get('set-cookie') ?? '')?.[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    assert.ok(cookie && csrf, 'the sign-in form carries a CSRF token');
    const posted = await fetch(url('b', '/signin'), {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, email: 'reader@example.org' }).toString(),
    });
    assert.equal(posted.status, 200, await posted.text());
  });

  test('kill -9 of web process A loses nothing it acknowledged; B serves on; A started again joins', async () => {
    // Writers through A: member0 submits papers 2-30, each followed by the upvotes of members 1 and 2,
    // three papers at a time; A is killed once 20 writes are acknowledged, while others are in flight.
    const papers = Array.from({ length: 29 }, (_, i) => paperId(i + 2));
    const submittedOk = new Set<string>();
    const votesOk = new Map<string, number>();
    let acknowledged = 0;
    let killed = false;
    const write = async (method: string, p: string, token: string, body?: unknown) => {
      if (killed) return false;
      const res = await api('a', method, p, token, body).catch(() => null);
      if (!res) return false;
      const ok = res.status === 200 || res.status === 201;
      assert.ok(ok, `${method} ${p}: ${res.status} ${await res.text()}`);
      acknowledged++;
      return true;
    };
    const next = papers.values();
    const writers = [0, 1, 2].map(async () => {
      for (const id of next) {
        if (!(await write('POST', '/api/papers/submit', tokens[0], { arxivId: id }))) return;
        submittedOk.add(id);
        for (const t of [tokens[1], tokens[2]]) {
          if (!(await write('POST', `/api/papers/${id}/upvote`, t))) return;
          votesOk.set(id, (votesOk.get(id) ?? 0) + 1);
        }
      }
    });
    await waitFor(() => acknowledged >= 20, { what: '20 writes acknowledged by A', timeoutMs: 30_000 });
    killed = true;
    procs.a!.child.kill('SIGKILL');
    await procs.a!.exited;
    await Promise.all(writers);
    assert.ok(submittedOk.size < papers.length, `A was killed before the writers were done (${submittedOk.size} submitted)`);

    // B keeps serving, and shows every submission and vote A acknowledged.
    assert.equal((await fetch(url('b', '/healthz'))).status, 200);
    assert.ok((await searchIds('b', 'deployment paper')).length > 0, 'B searches');
    for (const id of submittedOk) {
      const res = await fetch(url('b', `/api/papers/${id}`));
      assert.equal(res.status, 200);
      const p = (await res.json()) as { upvotes: number; submittedOnDailyBy: { name: string } | null };
      assert.equal(p.submittedOnDailyBy?.name, 'member0', `${id} submitted through A`);
      assert.ok(p.upvotes >= (votesOk.get(id) ?? 0), `${id}: ${p.upvotes} upvotes read through B, ${votesOk.get(id)} acknowledged by A`);
    }
    // and on its anonymous feed (a cached page) within PAGE_CACHE_STALE
    await waitFor(
      async () => {
        const feed = (await (await fetch(url('b', '/api/daily_papers?limit=100'))).json()) as { paper: { id: string } }[];
        const onFeed = new Set(feed.map((e) => e.paper.id));
        return [...submittedOk].every((id) => onFeed.has(id));
      },
      { what: "every acknowledged submission on B's feed", timeoutMs: CATCH_UP_MS, intervalMs: 100 },
    );

    // Written while A is down; A, started again on its own DATA_DIR and port, finds it and serves the votes.
    await importLines('third.jsonl', [snapshotLine(paperId(200), 'Heliotropic xylophone manifolds', 'Imported while web process A was down.')]);
    procs.a = await startWeb('a');
    await waitFor(async () => (await searchIds('a', 'xylophone')).includes(paperId(200)), {
      what: 'A, started again, to find the paper imported while it was down',
      timeoutMs: CATCH_UP_MS,
      intervalMs: 100,
    });
    assert.deepEqual(await searchIds('a', 'zygomorphic'), await searchIds('b', 'zygomorphic'));
    for (const id of submittedOk) {
      const [fromA, fromB] = await Promise.all(
        ['a', 'b'].map(async (n) => ((await (await fetch(url(n as 'a', `/api/papers/${id}`))).json()) as { upvotes: number }).upvotes),
      );
      assert.equal(fromA, fromB, `${id}: the same upvotes through A and B`);
    }
    assert.equal(procs.worker!.child.exitCode, null, 'the worker runs on');
  });
});

// The files of deploy/ describe one deployment: the settings they give each process are valid and
// split as deploy/README.md says, and nginx's upstream names the web processes' ports.
describe('deploy/ files', () => {
  const read = (f: string) => fs.readFileSync(path.join(REPO_ROOT, 'deploy', f), 'utf8');
  /** KEY=VALUE lines as systemd's EnvironmentFile= and a Procfile runner's .env read them */
  const envFile = (text: string) =>
    Object.fromEntries(
      text
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => {
          const [, key, value] = /^([A-Z_]+)=(.*)$/.exec(l)!;
          return [key, value.replace(/^"(.*)"$/, '$1')];
        }),
    );
  const shared = envFile(read('paperboy.env.example'));
  /** the processes: the unit's Environment= for systemd, the leading KEY=VALUE words for the Procfile */
  const processes: { name: string; env: Record<string, string> }[] = [
    ...['3001', '3002'].map((port) => ({
      name: `paperboy-web@${port}`,
      env: Object.fromEntries(
        /^Environment=(.*)$/m
          .exec(read('systemd/paperboy-web@.service'))![1]
          .replaceAll('%i', port)
          .split(' ')
          .map((w) => w.split('=') as [string, string]),
      ),
    })),
    {
      name: 'paperboy-worker',
      env: Object.fromEntries(
        /^Environment=(.*)$/m
          .exec(read('systemd/paperboy-worker.service'))![1]
          .split(' ')
          .map((w) => w.split('=') as [string, string]),
      ),
    },
    ...read('Procfile')
      .split('\n')
      .filter((l) => /^\w+:/.test(l))
      .map((l) => {
        const [, name, command] = /^(\w+):\s*(.*)$/.exec(l)!;
        const words = command.split(' ');
        return { name: `Procfile ${name}`, env: Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split('=') as [string, string])) };
      }),
  ];

  test('every process gets valid settings: the shared ones, and its own PORT and DATA_DIR', () => {
    assert.equal(processes.length, 6);
    for (const key of ['PORT', 'SERVICES', 'DATA_DIR']) assert.ok(!(key in shared), `${key} is per process, not in paperboy.env.example`);
    for (const key of ['DATABASE_URL', 'SESSION_SECRET', 'BASE_URL', 'TRUST_PROXY', 'HOST', 'SMTP_URL'])
      assert.ok(shared[key], `paperboy.env.example sets ${key}`);
    const configs = processes.map((p) => ({ name: p.name, config: loadConfig({ ...shared, ...p.env }) }));
    const web = configs.filter((c) => c.config.services.join() === 'web');
    const workers = configs.filter((c) => c.config.services.join() === 'worker,scheduler');
    assert.equal(web.length, 4, 'two web processes in the units, two in the Procfile');
    assert.equal(workers.length, 2, 'one worker/scheduler in the units, one in the Procfile');
    for (const group of [configs.slice(0, 3), configs.slice(3)]) {
      assert.equal(new Set(group.map((c) => c.config.dataDir)).size, 3, 'a DATA_DIR per process');
      assert.equal(new Set(group.filter((c) => c.config.services.includes('web')).map((c) => c.config.port)).size, 2, 'a port per web process');
    }
    // nginx's upstream: the web processes' ports, on the address they listen on and TRUST_PROXY trusts.
    const upstream = [...read('nginx/paperboy.conf').matchAll(/^\s*server (\S+):(\d+) /gm)].map((m) => ({ host: m[1], port: Number(m[2]) }));
    assert.deepEqual(
      upstream.map((u) => u.port),
      web.slice(0, 2).map((c) => c.config.port),
    );
    for (const u of upstream) assert.equal(u.host, shared.HOST);
    assert.equal(shared.TRUST_PROXY, '127.0.0.1', 'nginx on the same host is the one proxy trusted');
  });

  // PAPERBOY_NGINX: an nginx binary elsewhere (e.g. unpacked from Debian's package with `dpkg-deb -x`).
  const nginx = [process.env.PAPERBOY_NGINX ?? '', '/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((p) => p && fs.existsSync(p));
  test('nginx -t accepts deploy/nginx/paperboy.conf', { skip: nginx ? false : 'nginx is not installed (apt-get install nginx)' }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-nginx-'));
    try {
      // The site goes inside Debian's http { } block; this stands in for /etc/nginx/nginx.conf.
      const main = path.join(dir, 'nginx.conf');
      fs.writeFileSync(
        main,
        `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};\n`).join('')}  include ${path.join(REPO_ROOT, 'deploy', 'nginx', 'paperboy.conf')};\n}\n`,
      );
      const r = spawnSync(nginx!, ['-t', '-q', '-c', main, '-p', dir], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
