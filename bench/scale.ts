// `npm run bench -- scale [--processes=1,2] [--papers=N]`: what adding web processes buys on PostgreSQL
// (deploy/README.md). A throw-away cluster gets the demo papers and their demo activity (the feed), plus
// N synthetic papers from real records for search to work through (`--papers`, default 0; the records
// come from ../shared/data, or the fixtures without it); then, for each count K in `--processes`, K
// `paperboy serve` processes with SERVICES=web (each its own DATA_DIR, EMBEDDER=none, SEARCH_CACHE_MB=0
// so every search is computed) get 32 autocannon connections split evenly between them, as a balancer
// in front would spread them: the home page, `/api/daily_papers`, a paper page, a search for a common
// phrase and one for a rarer one, 10 s each (BENCH_DURATION_S) after 2 s of warm-up.
//
// Prints {papers, cores, loadAverage} once, then {processes, name, url, reqPerSec, p50Ms, p99Ms, errors}
// per count and route, then {name, speedup} per route: the req/s of the largest count over the smallest.
// The load generator runs on the same machine: on a machine with few cores it takes some of them.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config.js';
import { openContext } from '../src/main.js';
import { migrate } from '../src/storage/migrate.js';
import { loadDemoIfEmpty } from '../src/papers/demo.js';
import { seedDemoActivity } from '../src/community/demo-activity.js';
import { freePort, type PgCluster, startPgCluster } from '../src/testing/pg-cluster.js';
import { fixtureSourceRecords } from '../src/testing/fixtures.js';
import { SHARED_DATA } from '../src/testing/paths.js';
import { loadRealRecords, writeSyntheticSnapshot } from './synthetic.js';
import { numberArg } from './metrics.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = 2;

function env(databaseUrl: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    EMBEDDER: 'none',
    DEMO_DATA: 'off',
    SEARCH_CACHE_MB: '0',
    HOST: '127.0.0.1',
    ...extra,
  };
}

/** One `paperboy serve` web process; resolves with its address once it listens. */
function startWeb(databaseUrl: string, dataDir: string): Promise<{ address: string; child: ChildProcess }> {
  return freePort().then(
    (port) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, 'serve'], {
          env: env(databaseUrl, { SERVICES: 'web', PORT: String(port), DATA_DIR: dataDir, SESSION_SECRET: 'bench-scale' }),
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d;
          if (/paperboy: serving/.test(out)) resolve({ address: `http://127.0.0.1:${port}`, child });
        });
        child.once('exit', (code) => reject(new Error(`bench: a web process exited with ${code}: ${out}`)));
      }),
  );
}

/** 32 connections over the processes, at once; the sum of their req/s, the worst of their latencies. */
async function load(addresses: string[], url: string, seconds: number) {
  const per = Math.max(1, Math.round(CONNECTIONS / addresses.length));
  const rs = await Promise.all(addresses.map((a) => autocannon({ url: `${a}${url}`, connections: per, duration: seconds })));
  return {
    reqPerSec: Math.round(rs.reduce((s, r) => s + r.requests.average, 0)),
    p50Ms: Math.max(...rs.map((r) => r.latency.p50)),
    p99Ms: Math.max(...rs.map((r) => r.latency.p99)),
    errors: rs.reduce((s, r) => s + r.errors + r.timeouts + r.non2xx, 0),
  };
}

export async function benchScale(args: string[]): Promise<void> {
  const counts = (args.find((a) => a.startsWith('--processes='))?.split('=')[1] ?? '1,2').split(',').map(Number);
  if (!counts.every((n) => Number.isInteger(n) && n >= 1 && n <= 64)) throw new Error('bench: --processes is a list of counts from 1 to 64, e.g. 1,2,4');
  const synthetic = numberArg(args, 'papers', 0);
  const log = (s: string) => console.error(s);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bench-scale-'));
  let cluster: PgCluster | null = null;
  const children: ChildProcess[] = [];
  try {
    cluster = await startPgCluster();
    const databaseUrl = cluster.url;
    const ctx = await openContext(loadConfig(env(databaseUrl, { DATA_DIR: path.join(dir, 'prepare') })));
    try {
      await migrate(ctx.database);
      await loadDemoIfEmpty(ctx.papers, log);
      await seedDemoActivity(ctx, log);
    } finally {
      await ctx.database.close();
    }
    if (synthetic > 0) {
      const file = path.join(dir, 'synthetic.jsonl');
      await writeSyntheticSnapshot(file, synthetic, fs.existsSync(SHARED_DATA) ? await loadRealRecords() : fixtureSourceRecords());
      const r = spawnSync(process.execPath, [CLI, 'import', file, '--quiet'], {
        env: env(databaseUrl, { DATA_DIR: path.join(dir, 'prepare') }),
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`bench: import failed: ${r.stderr}`);
      log(r.stdout.trim());
    }
    const first = await startWeb(databaseUrl, path.join(dir, 'web-0'));
    children.push(first.child);
    const info = (await (await fetch(`${first.address}/api/daily_papers?limit=1`)).json()) as { paper: { id: string } }[];
    const health = (await (await fetch(`${first.address}/healthz`)).json()) as { papers?: number };
    console.log(JSON.stringify({ papers: health.papers ?? null, cores: os.availableParallelism(), loadAverage: Math.round(os.loadavg()[0] * 10) / 10 }));
    const routes = [
      { name: 'home', url: '/' },
      { name: 'api-daily-papers', url: '/api/daily_papers' },
      { name: 'paper', url: `/papers/${info[0].paper.id}` },
      { name: 'search-common', url: '/api/papers/search?q=language%20models' },
      { name: 'search-rare', url: '/api/papers/search?q=protein%20folding' },
    ];
    const results = new Map<string, Map<number, number>>();
    const addresses = [first.address];
    for (const k of [...counts].sort((a, b) => a - b)) {
      while (addresses.length < k) {
        const w = await startWeb(databaseUrl, path.join(dir, `web-${addresses.length}`));
        children.push(w.child);
        addresses.push(w.address);
      }
      const using = addresses.slice(0, k);
      for (const r of routes) {
        await load(using, r.url, WARMUP_S);
        const m = await load(using, r.url, DURATION_S);
        console.log(JSON.stringify({ processes: k, name: r.name, url: r.url, ...m }));
        if (!results.has(r.name)) results.set(r.name, new Map());
        results.get(r.name)!.set(k, m.reqPerSec);
      }
    }
    const [lo, hi] = [Math.min(...counts), Math.max(...counts)];
    if (hi > lo) {
      for (const [name, byCount] of results) {
        console.log(JSON.stringify({ name, speedup: Math.round((byCount.get(hi)! / byCount.get(lo)!) * 100) / 100, from: lo, to: hi }));
      }
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null)));
    cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
