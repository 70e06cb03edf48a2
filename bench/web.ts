// `npm run bench -- web`: autocannon at 32 connections against the feed pages and the JSON API of
// a demo instance, and against a static file of the same size from the same server, so the
// ratio says what the page costs beyond serving bytes. The server runs in a child process: the
// load generator must not share its event loop.
//
// Prints one JSON line per URL: {name, url, bytes, reqPerSec, p50Ms, p99Ms, errors, ratioToStatic, pass}.
// Target: each page >= 50% of its static twin's req/s, p99 < 50 ms, 0 errors.
// Then search under load: `/api/papers/search?q=generalization` from 32 clients with /healthz asked
// meanwhile ({name: 'search'} >= 300 req/s and p99 < 100 ms; {name: 'healthz-under-search'} p99 < 100 ms);
// then distinct queries, none answered from the answers cache, so search is saturated ({name:
// 'search-distinct'}, measured; {name: 'healthz-under-distinct-search'} p99 < 100 ms: the search threads
// keep the event loop free).
// Then the mixed run (bench/web-writes.ts): `/`, trending and the JSON API read-only, and while ~100
// API votes a second go on; target: each keeps >= 50% of its read-only req/s ({name:
// 'home-under-writes', ratioToReadOnly, pass}).
// `npm run bench -- web mixed` runs the mixed run alone.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import fastifyStatic from '@fastify/static';
import { loadConfig } from '../src/config.js';
import { openContext, wireServices } from '../src/main.js';
import { migrate } from '../src/storage/migrate.js';
import { loadDemoIfEmpty } from '../src/papers/demo.js';
import { seedDemoActivity } from '../src/community/demo-activity.js';
import { latestFeedDay } from '../src/feed/daily.js';
import { buildApp } from '../src/web/app.js';
import { prepareWriters, startWriter } from './web-writes.js';

const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = 2;
const RUN_JS = fileURLToPath(new URL('./run.js', import.meta.url));

/** Child mode: serve the prepared database plus a folder of static twins; print the address. */
async function serve(dbFile: string, staticDir: string): Promise<void> {
  const config = loadConfig({ ...process.env, DATABASE_URL: `sqlite:${dbFile}`, LOG_LEVEL: 'silent', DEMO_DATA: 'off' });
  const ctx = await openContext(config);
  const app = await buildApp({ ...wireServices(ctx, { log: (l) => process.stderr.write(`${l}\n`) }), jobs: { states: () => [] } });
  await app.register(fastifyStatic, { root: staticDir, prefix: '/bench-static/', decorateReply: false });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ address }));
}

async function prepare(dir: string, log: (s: string) => void): Promise<{ dbFile: string; tokens: string[] }> {
  const dbFile = path.join(dir, 'bench.db');
  const config = loadConfig({ ...process.env, DATABASE_URL: `sqlite:${dbFile}`, LOG_LEVEL: 'silent' });
  const ctx = await openContext(config);
  try {
    await migrate(ctx.database);
    await loadDemoIfEmpty(ctx.papers, log);
    await seedDemoActivity(ctx, log);
    const day = await latestFeedDay(ctx.database);
    if (!day) throw new Error('bench: demo activity made no feed day');
    return { dbFile, tokens: await prepareWriters(ctx) };
  } finally {
    await ctx.database.close();
  }
}

function startChild(dbFile: string, staticDir: string): Promise<{ address: string; stop: () => void }> {
  const child = spawn(process.execPath, [RUN_JS, 'web', '--serve', dbFile, staticDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ address: JSON.parse(line).address, stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`bench: server exited with ${code}`)));
  });
}

function summary(r: Awaited<ReturnType<typeof autocannon>>) {
  return { reqPerSec: Math.round(r.requests.average), p50Ms: r.latency.p50, p99Ms: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx };
}

async function measure(url: string) {
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S });
  return summary(await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S }));
}

export async function web(args: string[]): Promise<void> {
  if (args[0] === '--serve') return serve(args[1], args[2]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bench-web-'));
  const log = (s: string) => console.error(s);
  try {
    const { dbFile, tokens } = await prepare(dir, log);
    const staticDir = path.join(dir, 'static');
    fs.mkdirSync(staticDir);
    // The twins are the pages' own bytes, written once the server has answered them; the static
    // plugin serves whatever is in its folder at request time.
    const server = await startChild(dbFile, staticDir);
    try {
      const day = await (async () => {
        const res = await fetch(`${server.address}/api/daily_papers?limit=1`);
        return ((await res.json()) as { feedDay: string }[])[0].feedDay;
      })();
      const firstPaper = ((await (await fetch(`${server.address}/api/daily_papers?limit=1`)).json()) as { paper: { id: string } }[])[0].paper.id;
      const targets = [
        { name: 'home', path: '/' },
        { name: 'day', path: `/papers/date/${day}` },
        { name: 'api-daily-papers', path: '/api/daily_papers' },
        { name: 'paper-page', path: `/papers/${firstPaper}` },
        { name: 'search-page', path: '/search?q=models+that+generalize' },
      ];
      const sizes: number[] = [];
      for (const t of targets) {
        const res = await fetch(`${server.address}${t.path}`);
        if (!res.ok) throw new Error(`bench: ${t.path} answered ${res.status}`);
        const body = Buffer.from(await res.arrayBuffer());
        sizes.push(body.length);
        fs.writeFileSync(path.join(staticDir, `${t.name}.html`), body);
      }
      // `npm run bench -- web mixed`: the mixed run alone.
      for (const [i, t] of args[0] === 'mixed' ? [] : targets.entries()) {
        const page = await measure(`${server.address}${t.path}`);
        const twin = await measure(`${server.address}/bench-static/${t.name}.html`);
        const ratio = Math.round((page.reqPerSec / twin.reqPerSec) * 100) / 100;
        console.log(JSON.stringify({ name: `${t.name}-static`, url: `/bench-static/${t.name}.html`, bytes: sizes[i], connections: CONNECTIONS, ...twin }));
        console.log(
          JSON.stringify({
            name: t.name,
            url: t.path,
            bytes: sizes[i],
            connections: CONNECTIONS,
            ...page,
            ratioToStatic: ratio,
            pass: ratio >= 0.5 && page.p99Ms < 50 && page.errors === 0,
          }),
        );
      }
      // Search under load: one query from 32 clients (repeated, as a crowd asks it), with /healthz asked
      // by 2 more clients meanwhile. Targets: >= 300 req/s and p99 < 100 ms for search, p99 < 100 ms for /healthz.
      if (args[0] !== 'mixed') {
        const searchUrl = `${server.address}/api/papers/search?q=generalization`;
        await autocannon({ url: searchUrl, connections: CONNECTIONS, duration: WARMUP_S });
        const [search, health] = await Promise.all([
          autocannon({ url: searchUrl, connections: CONNECTIONS, duration: DURATION_S }),
          autocannon({ url: `${server.address}/healthz`, connections: 2, duration: DURATION_S }),
        ]);
        const s = summary(search);
        const h = summary(health);
        console.log(
          JSON.stringify({
            name: 'search',
            url: '/api/papers/search?q=generalization',
            connections: CONNECTIONS,
            ...s,
            pass: s.reqPerSec >= 300 && s.p99Ms < 100 && s.errors === 0,
          }),
        );
        console.log(JSON.stringify({ name: 'healthz-under-search', url: '/healthz', connections: 2, ...h, pass: h.p99Ms < 100 && h.errors === 0 }));
        // Distinct queries (three words of one title and one of another): every search is computed.
        const titles = ((await (await fetch(`${server.address}/api/daily_papers?limit=100`)).json()) as { paper: { title: string } }[]).map(
          (e) => e.paper.title,
        );
        const words = titles.flatMap((t) => t.split(/\s+/).filter((w) => /^[A-Za-z-]{4,}$/.test(w)));
        let n = 0;
        const distinct = {
          setupRequest: (req: { path: string; method: string }) => {
            const i = n++;
            const at = (i * 7) % Math.max(1, words.length - 3);
            const q = `${words.slice(at, at + 3).join(' ')} ${words[(i * 104_729) % words.length]} ${i}`;
            return { ...req, path: `/api/papers/search?q=${encodeURIComponent(q)}` };
          },
        };
        const [ds, dh] = await Promise.all([
          autocannon({ url: server.address, connections: CONNECTIONS, duration: DURATION_S, requests: [distinct] }),
          autocannon({ url: `${server.address}/healthz`, connections: 2, duration: DURATION_S }),
        ]);
        const d = summary(ds);
        const dhs = summary(dh);
        console.log(JSON.stringify({ name: 'search-distinct', url: '/api/papers/search?q=<distinct>', connections: CONNECTIONS, ...d, pass: d.errors === 0 }));
        console.log(
          JSON.stringify({ name: 'healthz-under-distinct-search', url: '/healthz', connections: 2, ...dhs, pass: dhs.p99Ms < 100 && dhs.errors === 0 }),
        );
      }
      // The mixed run: each page read-only, then while members vote on the papers `/` shows.
      const shown = (await (await fetch(`${server.address}/api/daily_papers?date=${day}&limit=100`)).json()) as { paper: { id: string } }[];
      for (const [name, url] of [
        ['home', '/'],
        ['trending', '/papers/trending'],
        ['api-daily-papers', '/api/daily_papers'],
      ]) {
        const readOnly = await measure(`${server.address}${url}`);
        const writer = startWriter(
          server.address,
          tokens,
          shown.map((e) => e.paper.id),
        );
        const underWrites = await measure(`${server.address}${url}`);
        const writes = await writer.stop();
        const kept = Math.round((underWrites.reqPerSec / readOnly.reqPerSec) * 100) / 100;
        console.log(JSON.stringify({ name: `${name}-read-only`, url, connections: CONNECTIONS, ...readOnly }));
        console.log(
          JSON.stringify({
            name: `${name}-under-writes`,
            url,
            connections: CONNECTIONS,
            ...underWrites,
            ...writes,
            ratioToReadOnly: kept,
            pass: kept >= 0.5 && underWrites.errors === 0 && writes.writeErrors === 0,
          }),
        );
      }
    } finally {
      server.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
