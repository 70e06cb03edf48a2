import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Worker } from 'node:worker_threads';
import { openDatabase } from '../src/storage/database.js';
import { migrate } from '../src/storage/migrate.js';
import { loadConfig } from '../src/config.js';
import { DEMO_PAPERS } from '../src/papers/demo.js';
import { snapshotToRecord } from '../src/papers/import.js';
import { addPapers } from '../src/digest/fixtures.js';
import { createDigestService } from '../src/digest/service.js';
import { weekdayOf } from '../src/digest/period.js';

// `npm run bench -- digest [subscribers]`: 10,000 confirmed subscribers (mixed daily/weekly, 0-3
// topics each) get one period's digests from a fresh SQLite database, over SMTP to a local server
// in a worker thread. Prints {"bench":"digest",messages,seconds,messagesPerSecond,peakRssMB}.
// Target: >= 200 messages/s on 2 cores.

const TOPICS = [
  'language models',
  'retrieval augmented',
  'speech',
  'machine translation',
  'benchmark',
  '"large language models" reasoning',
  'graph',
  'multilingual',
  'agents',
  'question answering',
];
const SEND_DATE = '2026-03-05'; // Thursday: dailies cover Wed 2026-03-04, weeklies (Thursday) the week before

export async function benchDigest(args: string[]): Promise<void> {
  const count = Number(args[0] ?? 10_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bench-digest-'));
  const sink = new Worker(new URL('./smtp-sink.js', import.meta.url));
  const port = await new Promise<number>((resolve) => sink.once('message', (m: { port: number }) => resolve(m.port)));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
  try {
    const url = `sqlite:${path.join(dir, 'bench.db')}`;
    const database = await openDatabase(url);
    await migrate(database);
    // A week of real papers (the demo's first 600), the top 150 submitted with upvotes.
    const lines = zlib.gunzipSync(fs.readFileSync(DEMO_PAPERS)).toString('utf8').split('\n', 600).filter(Boolean);
    const days = ['2026-02-26', '2026-02-27', '2026-03-02', '2026-03-03', '2026-03-04'];
    await addPapers(
      database,
      lines.map((l, i) => {
        const r = snapshotToRecord(JSON.parse(l));
        const day = days[i % days.length];
        return { ...r, day, submitted: i < 150 ? { day, upvotes: (i * 37) % 200 } : undefined };
      }),
    );
    // Subscribers in bulk: 80% daily, 20% weekly on the send date's weekday; 0-3 topics each.
    const now = new Date().toISOString();
    const weekday = weekdayOf(SEND_DATE);
    for (let i = 0; i < count; i += 500) {
      const subs = [];
      const topics = [];
      for (let j = i; j < Math.min(count, i + 500); j++) {
        const id = `bench${String(j).padStart(6, '0')}`;
        subs.push({
          id,
          email: `reader${j}@bench.test`,
          status: 'active',
          frequency: j % 5 === 0 ? 'weekly' : 'daily',
          weekday,
          trending_count: 5 + (j % 3) * 5,
          consecutive_failures: 0,
          created_at: now,
          confirmed_at: now,
          updated_at: now,
          confirm_token_hash: null,
          confirm_expires_at: null,
          confirm_sent_at: null,
        });
        for (let t = 0; t < j % 4; t++)
          topics.push({
            id: `${id}t${t}`,
            subscriber_id: id,
            query: TOPICS[(j + t * 3) % TOPICS.length],
            categories: t === 2 ? '["cs.CL"]' : '[]',
            created_at: now,
          });
      }
      await database.db.insertInto('digest_subscribers').values(subs).execute();
      if (topics.length) await database.db.insertInto('digest_topics').values(topics).execute();
    }
    const config = loadConfig({
      DATABASE_URL: url,
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      DATA_DIR: dir,
      SESSION_SECRET: 'bench',
      BASE_URL: 'https://papers.example.org',
      DIGEST_RATE: '0',
      DIGEST_CONCURRENCY: args[1] ?? '8',
      LOG_LEVEL: 'silent',
    });
    const service = createDigestService(config, database, { log: (l) => process.stderr.write(`${l}\n`) });
    process.stderr.write(`bench digest: ${count} subscribers, sending ${SEND_DATE}'s digests to smtp://127.0.0.1:${port}\n`);
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    if (process.env.BENCH_DIGEST_DRY) {
      // compose only: how much of the cost is composition
      const c0 = process.cpuUsage();
      const dry = await service.sender.send({ sendDate: SEND_DATE, dryRun: true });
      const u = process.cpuUsage(c0);
      process.stderr.write(`bench digest: dry run composed ${dry.plan.length} in ${((u.user + u.system) / 1000 / dry.plan.length).toFixed(2)} ms CPU each\n`);
    }
    const report = await service.sender.send({ sendDate: SEND_DATE });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    service.close();
    sink.postMessage('count');
    const received = await new Promise<number>((resolve) => sink.once('message', (m: { received: number }) => resolve(m.received)));
    await database.close();
    if (report.sent !== received || report.failed || report.deferred)
      throw new Error(`bench digest: sent ${report.sent}, received ${received}, failed ${report.failed}, deferred ${report.deferred}`);
    peak = Math.max(peak, process.memoryUsage.rss());
    console.log(
      JSON.stringify({
        bench: 'digest',
        messages: report.sent,
        empty: report.empty,
        seconds: Number(seconds.toFixed(2)),
        messagesPerSecond: Math.round(report.sent / seconds),
        peakRssMB: Math.round(peak / 1024 / 1024),
        // CPU of the whole process (sender and SMTP sink) per message, and the machine's load:
        // on a shared machine, messages/s says more about the neighbours than about the code.
        cpuMsPerMessage: Number(((cpuSeconds * 1000) / report.sent).toFixed(2)),
        loadAverage: Number(os.loadavg()[0].toFixed(1)),
        cores: os.cpus().length,
      }),
    );
  } finally {
    clearInterval(sampler);
    sink.postMessage('close');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
