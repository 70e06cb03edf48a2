// The mixed run of `npm run bench -- web`: anonymous `/` under autocannon while members upvote and
// take back upvotes through the API at a steady pace, against `/` read-only. Each vote is a real
// write (it changes a submission), on the papers of the day `/` shows, so every write touches the
// page being read. Target: `/` keeps >= 50% of its read-only req/s.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createCommunity } from '../src/community/community.js';
import type { Context } from '../src/main.js';

/** members that vote, and their pace together */
export const WRITERS = 12;
export const WRITES_PER_SECOND = 100;

/** Members with personal API tokens, made through the community service before the server starts. */
export async function prepareWriters(ctx: Context, count = WRITERS): Promise<string[]> {
  const community = createCommunity(ctx.database, ctx.papers, ctx.config);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const user = await community.accounts.createUser({ email: `bench-writer-${i}@example.org`, username: `bench-writer-${i}` });
    tokens.push((await community.accounts.createApiToken(user.id, 'bench')).token);
  }
  return tokens;
}

export interface WriterReport {
  writes: number;
  writesPerSec: number;
  writeErrors: number;
  writeP99Ms: number;
}

/**
 * Upvote and un-vote `paperIds` with `tokens` at `perSecond` until stop(); at most 32 writes wait
 * at once, so a slow server lowers the pace (the writes it missed are skipped) rather than piling up.
 * The writer runs on a worker thread: autocannon keeps the main thread busy, which would slow
 * the writes' own pace and time them wrong.
 */
export function startWriter(address: string, tokens: string[], paperIds: string[], perSecond = WRITES_PER_SECOND) {
  if (!tokens.length || !paperIds.length) throw new Error('bench: the writer needs members and papers');
  const worker = new Worker(new URL(import.meta.url), { workerData: { address, tokens, paperIds, perSecond } });
  const report = new Promise<WriterReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    async stop(): Promise<WriterReport> {
      worker.postMessage('stop');
      const r = await report;
      await worker.terminate();
      return r;
    },
  };
}

function writeLoop({ address, tokens, paperIds, perSecond }: { address: string; tokens: string[]; paperIds: string[]; perSecond: number }) {
  const voted = new Set<string>();
  const latencies: number[] = [];
  let writes = 0;
  let errors = 0;
  let inFlight = 0;
  let n = 0;
  const started = performance.now();
  const write = async () => {
    // Walk members x papers so that consecutive writes touch different submissions.
    const i = n++;
    const token = tokens[i % tokens.length];
    const paper = paperIds[Math.floor(i / tokens.length) % paperIds.length];
    const key = `${token} ${paper}`;
    const add = !voted.has(key);
    if (add) voted.add(key);
    else voted.delete(key);
    inFlight++;
    const t0 = performance.now();
    try {
      const res = await fetch(`${address}/api/papers/${paper}/upvote`, { method: add ? 'POST' : 'DELETE', headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (res.ok) writes++;
      else errors++;
    } catch {
      errors++;
    } finally {
      inFlight--;
      latencies.push(performance.now() - t0);
    }
  };
  // Catch up on the writes due since the start: a late timer does not lower the pace.
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * perSecond);
    while (n < due && inFlight < 32) void write();
    n = Math.max(n, due);
  }, 10);
  parentPort?.once('message', () => {
    clearInterval(timer);
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const report: WriterReport = {
      writes,
      writesPerSec: Math.round(writes / seconds),
      writeErrors: errors,
      writeP99Ms: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0),
    };
    parentPort?.postMessage(report);
  });
}

if (!isMainThread && workerData?.perSecond) writeLoop(workerData);
