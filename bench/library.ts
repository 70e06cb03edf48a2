// `npm run bench -- library [--papers=10000] [--runs=7]`: a collection of N papers (10,000 by default)
// exported as BibTeX, RIS and CSL-JSON over HTTP, as GET /u/:username/c/:slug?format= answers it (the
// collection's rows, the papers, the text), on a throw-away SQLite database. Prints one JSON line
// per format with the median and worst wall time of --runs requests and their median CPU time (the
// process's, GC included), with the load average; the target is under a second at 10,000.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPaper } from '../src/papers/paper.js';
import { createPaperStore } from '../src/papers/store.js';
import { openDatabase } from '../src/storage/database.js';
import { migrate } from '../src/storage/migrate.js';
import { buildTestApp } from '../src/testing/test-app.js';
import { EXPORT_FORMATS } from '../src/papers/citation.js';
import { numberArg, pct } from './metrics.js';

export async function benchLibrary(args: string[]): Promise<void> {
  const n = numberArg(args, 'papers', 10_000);
  const runs = numberArg(args, 'runs', 7);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bench-library-'));
  const database = await openDatabase(`sqlite:${path.join(dir, 'bench.db')}`);
  try {
    await migrate(database);
    const papers = createPaperStore(database);
    const ids: string[] = [];
    const batch = [];
    for (let i = 0; i < n; i++) {
      const id = `2601.${String(10000 + i).padStart(5, '0')}`;
      ids.push(id);
      batch.push(
        buildPaper({
          id,
          title: `A study of {graph} networks number ${i} with $x^2$ and a long enough title`,
          abstract: `Abstract of paper ${i}: `.padEnd(1200, 'words about the method and its results '),
          authors: Array.from({ length: 6 }, (_, a) => `Author${a} Écrivain${i % 97}`),
          categories: ['cs.LG', 'stat.ML'],
          publishedAt: '2026-01-15T12:00:00.000Z',
          updatedAt: '2026-01-15T12:00:00.000Z',
          doi: i % 3 === 0 ? `10.1000/bench.${i}` : null,
        }),
      );
    }
    await papers.upsertMany(batch);
    const { app, deps } = await buildTestApp({ database, papers });
    const user = await deps.community.accounts.createUser({ email: 'bench@example.org', username: 'bench' });
    const c = await deps.recommend.collections.create(user.id, { name: 'Everything', public: true });
    await deps.recommend.collections.addMany(c, ids);
    for (const format of EXPORT_FORMATS) {
      const ms: number[] = [];
      const cpuMs: number[] = [];
      let bytes = 0;
      for (let r = 0; r < runs; r++) {
        const start = process.hrtime.bigint();
        const cpu = process.cpuUsage();
        const res = await app.inject({ method: 'GET', url: `/u/bench/c/everything?format=${format}` });
        ms.push(Number(process.hrtime.bigint() - start) / 1e6);
        const used = process.cpuUsage(cpu);
        cpuMs.push((used.user + used.system) / 1000);
        if (res.statusCode !== 200) throw new Error(`bench library: ${format} answered ${res.statusCode}`);
        bytes = res.rawPayload.length;
      }
      // CPU time as well as wall time: on a shared machine the wall time is mostly waiting for a core.
      console.log(
        JSON.stringify({
          bench: 'library',
          papers: n,
          format,
          medianMs: pct(ms, 50),
          maxMs: pct(ms, 100),
          medianCpuMs: pct(cpuMs, 50),
          bytes,
          loadAverage: Math.round(os.loadavg()[0] * 10) / 10,
          cores: os.cpus().length,
          targetMs: 1000,
        }),
      );
    }
    await app.close();
  } finally {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
