// `npm run bench -- soak [--minutes=N] [--db=sqlite|postgres]`: the soak and fault run of #24. One demo
// instance, served in a child process, gets for N minutes (default 10) readers (`/`, `/papers/trending`,
// `/api/daily_papers`, a paper page), searchers (`/api/papers/search`: distinct queries made of words of
// the papers' titles, so that the answers cache does not answer for the search threads) and writers (API
// upvotes and submissions with members' personal tokens). At 40% of the run the server is killed with SIGKILL and started
// again on the same data and port; with `--db=postgres` (a throw-away cluster with its commit guarantees
// kept) PostgreSQL itself is crashed (`pg_ctl stop -m immediate`) and started again at 70%.
//
// Prints JSON lines: one per fault ({event, downMs}); one per route ({name, requests, reqPerSec, p99Ms,
// errors, faultRequests, faultErrors}: requests begun inside a fault window, from the kill until 2 s after
// the server answers again, are counted apart); then {acknowledgedWrites, foundWrites, lost, pass}: the
// distinct (member, paper) upvotes the server acknowledged with 2xx, and the submissions it acknowledged
// with 201, read back from the database after the run. Writers upvote and take back in turn (each pair written by one writer, in order), so writes go
// on all run long: a pair whose last acknowledged write is an upvote must be stored (`lost` counts those
// that are not), one whose last is a take-back must not be (`resurrected`); a pair whose last write
// failed is left out of both. `writesAcknowledged` counts every 2xx write.
// Target: lost = 0, lostSubmissions = 0, resurrected = 0, and no errors outside the fault windows.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { openContext, wireServices } from '../src/main.js';
import { migrate } from '../src/storage/migrate.js';
import { loadDemoIfEmpty } from '../src/papers/demo.js';
import { seedDemoActivity } from '../src/community/demo-activity.js';
import { createCommunity } from '../src/community/community.js';
import { openDatabase } from '../src/storage/database.js';
import { buildApp } from '../src/web/app.js';
import { freePort, type PgCluster, startPgCluster } from '../src/testing/pg-cluster.js';
import { numberArg, pct } from './metrics.js';

const RUN_JS = fileURLToPath(new URL('./run.js', import.meta.url));
const READERS = 6;
const SEARCHERS = 3;
const WRITERS = 3;
const SUBMITTERS = 1;
const MEMBERS = 24;
/** requests begun this long after the server answers again still count as in the fault window */
const GRACE_MS = 2000;
const REQUEST_TIMEOUT_MS = 10_000;
const QUERIES = ['generalization', 'graph neural networks', 'protein structure', 'reinforcement learning from human feedback', 'diffusion'];

function serveConfig(databaseUrl: string, dataDir: string) {
  // The soak's submitter writes more than a member would, any day, and the demo papers are months old:
  // the community's submission rules are widened for it.
  return loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'off',
    SUBMIT_RATE_LIMIT: '100000',
    SUBMIT_DAILY_CAP: '1000',
    SUBMIT_MAX_AGE_DAYS: '3650',
    SUBMIT_WEEKENDS: 'true',
  });
}

/** Child mode: serve the prepared database on the given port; print the address. */
async function serve(databaseUrl: string, dataDir: string, port: number): Promise<void> {
  const ctx = await openContext(serveConfig(databaseUrl, dataDir));
  const app = await buildApp({ ...wireServices(ctx, { log: (l) => process.stderr.write(`${l}\n`) }), jobs: { states: () => [] } });
  const address = await app.listen({ port, host: '127.0.0.1' });
  console.log(JSON.stringify({ address }));
}

async function prepare(databaseUrl: string, dataDir: string, log: (s: string) => void) {
  const ctx = await openContext(loadConfig({ ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
  try {
    await migrate(ctx.database);
    await loadDemoIfEmpty(ctx.papers, log);
    await seedDemoActivity(ctx, log);
    const community = createCommunity(ctx.database, ctx.papers, ctx.config);
    const members: { id: number; token: string }[] = [];
    for (let i = 0; i < MEMBERS; i++) {
      const user = await community.accounts.createUser({ email: `soak-writer-${i}@example.org`, username: `soak-writer-${i}` });
      members.push({ id: user.id, token: (await community.accounts.createApiToken(user.id, 'soak')).token });
    }
    // Papers nobody has submitted yet, for the submitter.
    const unsubmitted = await ctx.database.db
      .selectFrom('papers')
      .select('id')
      .where('id', 'not in', ctx.database.db.selectFrom('submissions').select('paper_id'))
      .orderBy('id')
      .limit(5000)
      .execute();
    return { members, unsubmitted: unsubmitted.map((r) => r.id) };
  } finally {
    await ctx.database.close();
  }
}

/** The server in a child process; restartable on the same port after a kill. */
function server(databaseUrl: string, dataDir: string, port: number) {
  let child: ChildProcess | null = null;
  const start = () =>
    new Promise<string>((resolve, reject) => {
      const c = spawn(process.execPath, [RUN_JS, 'soak', '--serve', databaseUrl, dataDir, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
      child = c;
      let out = '';
      c.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line).address);
      });
      c.once('exit', (code, signal) => reject(new Error(`bench: server exited with ${code ?? signal}`)));
    });
  return {
    start,
    killNow: () => child?.kill('SIGKILL'),
    /** SIGKILL, and wait until the process is gone. */
    kill: () =>
      new Promise<void>((resolve) => {
        const c = child;
        child = null;
        if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      }),
  };
}

interface RouteStats {
  latencies: number[];
  errors: number;
  faultRequests: number;
  faultErrors: number;
}

export async function benchSoak(args: string[]): Promise<void> {
  if (args[0] === '--serve') return serve(args[1], args[2], Number(args[3]));
  const minutes = numberArg(args, 'minutes', 10);
  const dbKind = args.find((a) => a.startsWith('--db='))?.split('=')[1] ?? 'sqlite';
  if (!(minutes > 0)) throw new Error('bench: --minutes must be a positive number');
  if (dbKind !== 'sqlite' && dbKind !== 'postgres') throw new Error(`bench: --db is sqlite or postgres, not ${dbKind}`);
  const log = (s: string) => console.error(s);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bench-soak-'));
  let cluster: PgCluster | null = null;
  let srv: ReturnType<typeof server> | null = null;
  // Interrupted (Ctrl-C, a timeout's SIGTERM): the same clean-up as at the end, synchronously, then exit.
  const interrupted = () => {
    srv?.killNow();
    cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    if (dbKind === 'postgres') cluster = await startPgCluster({ durable: true });
    const databaseUrl = cluster ? cluster.url : `sqlite:${path.join(dir, 'soak.db')}`;
    const { members, unsubmitted } = await prepare(databaseUrl, dir, log);
    srv = server(databaseUrl, dir, await freePort());
    const address = await srv.start();
    const days = (await (await fetch(`${address}/api/daily_papers?limit=100`)).json()) as { paper: { id: string; title: string } }[];
    const paperIds = [...new Set(days.map((e) => e.paper.id))];
    // Distinct queries: three words of a title and one of another, as a crowd's queries differ.
    const words = days.flatMap((e) => e.paper.title.split(/\s+/).filter((w) => /^[A-Za-z-]{4,}$/.test(w)));
    const queryAt = (i: number) => {
      const at = (i * 7) % Math.max(1, words.length - 3);
      return `${words.slice(at, at + 3).join(' ')} ${words[(i * 104_729) % words.length]}`;
    };
    if (!paperIds.length) throw new Error('bench: the demo instance shows no papers');

    const stats = new Map<string, RouteStats>();
    const statsOf = (name: string) => {
      let s = stats.get(name);
      if (!s) stats.set(name, (s = { latencies: [], errors: 0, faultRequests: 0, faultErrors: 0 }));
      return s;
    };
    // A fault window is open while `faults` > 0, and until `faultEnds` (GRACE_MS after the server is back).
    let faults = 0;
    let faultEnds = 0;
    const inFault = () => faults > 0 || performance.now() < faultEnds;
    const started = performance.now();
    const ends = started + minutes * 60_000;

    const request = async (name: string, url: string, init?: RequestInit): Promise<boolean> => {
      const s = statsOf(name);
      const fault = inFault();
      const t0 = performance.now();
      let ok = false;
      try {
        const res = await fetch(`${address}${url}`, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        await res.arrayBuffer();
        ok = res.ok;
      } catch {
        ok = false;
      }
      const faulted = fault || inFault();
      if (faulted) {
        s.faultRequests++;
        if (!ok) s.faultErrors++;
      } else {
        s.latencies.push(performance.now() - t0);
        if (!ok) s.errors++;
      }
      // A refused connection returns at once: do not spin while the server is down.
      if (!ok) await new Promise((r) => setTimeout(r, 50));
      return ok;
    };

    let n = 0;
    const readers = Array.from({ length: READERS }, async () => {
      while (performance.now() < ends) {
        const i = n++;
        const route = i % 4;
        if (route === 0) await request('home', '/');
        else if (route === 1) await request('trending', '/papers/trending');
        else if (route === 2) await request('api-daily-papers', '/api/daily_papers');
        else await request('paper-page', `/papers/${paperIds[i % paperIds.length]}`);
      }
    });
    const searchers = Array.from({ length: SEARCHERS }, async (_, k) => {
      for (let i = k; performance.now() < ends; i += SEARCHERS) {
        const q = i % 10 === 0 ? QUERIES[(i / 10) % QUERIES.length] : queryAt(i);
        await request('search', `/api/papers/search?q=${encodeURIComponent(q)}`);
      }
    });
    // Each writer owns its members, so a (member, paper) pair's writes are in order: the state of a pair
    // is the last write the server acknowledged, or unknown after one that failed (it may have landed).
    const state = new Map<string, 'up' | 'down' | 'unknown'>();
    let writesAcknowledged = 0;
    const writers = Array.from({ length: WRITERS }, async (_, k) => {
      const mine = members.filter((_, i) => i % WRITERS === k);
      // Walk members x papers, upvoting and taking back in turn, so that writes go on all run long.
      for (let i = 0; performance.now() < ends; i++) {
        const member = mine[i % mine.length];
        const paper = paperIds[Math.floor(i / mine.length) % paperIds.length];
        const key = `${member.id} ${paper}`;
        const up = state.get(key) !== 'up';
        const ok = await request('api-upvote', `/api/papers/${paper}/upvote`, {
          method: up ? 'POST' : 'DELETE',
          headers: { authorization: `Bearer ${member.token}` },
        });
        state.set(key, ok ? (up ? 'up' : 'down') : 'unknown');
        if (ok) writesAcknowledged++;
      }
    });

    // Submissions: each paper once, by members in turn; a 201 is an acknowledged submission.
    const submitted = new Map<string, number>();
    let nextSubmission = 0;
    const submitters = Array.from({ length: SUBMITTERS }, async () => {
      while (performance.now() < ends && nextSubmission < unsubmitted.length) {
        const paper = unsubmitted[nextSubmission++];
        const member = members[nextSubmission % members.length];
        const ok = await request('api-submit', '/api/papers/submit', {
          method: 'POST',
          headers: { authorization: `Bearer ${member.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ arxivId: paper, comment: `soak ${nextSubmission}` }),
        });
        if (ok) submitted.set(paper, member.id);
        // About two a second, as a busy community submits (each is also a feed change).
        await new Promise((r) => setTimeout(r, 500));
      }
    });

    const at = (fraction: number) => new Promise((r) => setTimeout(r, Math.max(0, started + (ends - started) * fraction - performance.now())));
    const fault = async (event: string, act: () => Promise<void>) => {
      faults++;
      const t0 = performance.now();
      try {
        await act();
        // Back once the server answers a page again (the database may take a moment after a restart).
        while (performance.now() < ends + 60_000) {
          const res = await fetch(`${address}/healthz`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
          if (res?.ok) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        faults--;
        faultEnds = performance.now() + GRACE_MS;
      }
      console.log(JSON.stringify({ event, atSeconds: Math.round((t0 - started) / 1000), downMs: Math.round(performance.now() - t0) }));
    };
    const chaos = (async () => {
      await at(0.4);
      await fault('kill-9-server', async () => {
        await srv?.kill();
        await srv?.start();
      });
      if (cluster) {
        await at(0.7);
        const pg = cluster;
        await fault('restart-postgres', async () => pg.restart());
      }
    })();
    await Promise.all([...readers, ...searchers, ...writers, ...submitters, chaos]);

    const seconds = (performance.now() - started) / 1000;
    for (const [name, s] of stats) {
      console.log(
        JSON.stringify({
          name,
          requests: s.latencies.length,
          reqPerSec: Math.round((s.latencies.length / seconds) * 10) / 10,
          p99Ms: s.latencies.length ? pct(s.latencies, 99) : null,
          errors: s.errors,
          faultRequests: s.faultRequests,
          faultErrors: s.faultErrors,
        }),
      );
    }
    await srv.kill();
    // Read back what is stored, from the database itself.
    const database = await openDatabase(databaseUrl);
    let stored: Set<string>;
    let storedSubmissions: Set<string>;
    try {
      const rows = await database.db
        .selectFrom('upvotes')
        .select(['user_id', 'paper_id'])
        .where(
          'user_id',
          'in',
          members.map((m) => m.id),
        )
        .execute();
      stored = new Set(rows.map((r) => `${r.user_id} ${r.paper_id}`));
      const subs = await database.db
        .selectFrom('submissions')
        .select(['paper_id', 'submitted_by'])
        .where('paper_id', 'in', [...submitted.keys(), ''])
        .execute();
      storedSubmissions = new Set(subs.map((r) => `${r.submitted_by} ${r.paper_id}`));
    } finally {
      await database.close();
    }
    const acknowledged = [...state].filter(([, v]) => v === 'up').map(([k]) => k);
    const foundWrites = acknowledged.filter((k) => stored.has(k)).length;
    const lost = acknowledged.length - foundWrites;
    const takenBack = [...state].filter(([, v]) => v === 'down').map(([k]) => k);
    const resurrected = takenBack.filter((k) => stored.has(k)).length;
    const errors = [...stats.values()].reduce((a, s) => a + s.errors, 0);
    const lostSubmissions = [...submitted].filter(([paper, user]) => !storedSubmissions.has(`${user} ${paper}`)).length;
    console.log(
      JSON.stringify({
        db: dbKind,
        minutes,
        writesAcknowledged,
        acknowledgedWrites: acknowledged.length,
        foundWrites,
        lost,
        acknowledgedUnvotes: takenBack.length,
        resurrected,
        acknowledgedSubmissions: submitted.size,
        lostSubmissions,
        errorsOutsideFaults: errors,
        pass: lost === 0 && resurrected === 0 && lostSubmissions === 0 && errors === 0,
      }),
    );
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await srv?.kill();
    cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
