import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/storage/database.js';
import { migrate } from '../src/storage/migrate.js';
import { createPaperStore } from '../src/papers/store.js';
import { importFiles } from '../src/papers/import.js';
import { buildSearchIndex, deferSearchIndexing } from '../src/search/lexical/index.js';
import { type PgCluster, startPgCluster } from '../src/testing/pg-cluster.js';
import { writeSyntheticSnapshot } from './synthetic.js';

// `npm run bench -- import [COUNT] [--database=sqlite|postgres]`: imports a COUNT-record (200k by
// default) snapshot file (real records, re-numbered ids) into a fresh database and prints
// {"bench":"import",...}. Target: >= 20,000 papers/s on 2 cores for the import phase; the search
// index build that follows is reported on its own. With --database=postgres the database is a
// throw-away cluster started here with PostgreSQL's default commit guarantees (fsync and
// synchronous commit on, as an operator runs it); there the import leaves the papers' search_vector
// NULL and the build that follows fills it (migration 0015), reported as indexSeconds as on SQLite.
export async function benchImport(args: string[]): Promise<void> {
  const count = Number(args.find((a) => !a.startsWith('--')) ?? 200_000);
  const database = args.find((a) => a.startsWith('--database='))?.split('=')[1] ?? 'sqlite';
  if (!(Number.isInteger(count) && count > 0)) throw new Error('bench: the paper count must be a positive whole number');
  if (database !== 'sqlite' && database !== 'postgres') throw new Error(`bench: --database is sqlite or postgres, not ${database}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bench-import-'));
  let cluster: PgCluster | null = null;
  try {
    const file = path.join(dir, 'snapshot.jsonl');
    process.stderr.write(`bench import: writing ${count} records to ${file}\n`);
    await writeSyntheticSnapshot(file, count);
    // On disk before the clock starts, as a downloaded snapshot would be: otherwise the kernel
    // writes its ~400 MB back during the import, competing with the database's own writes.
    const fd = fs.openSync(file, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    if (database === 'postgres') cluster = await startPgCluster({ durable: true });
    const db = await openDatabase(cluster ? cluster.url : `sqlite:${path.join(dir, 'bench.db')}`);
    await migrate(db);
    const store = createPaperStore(db);
    // As `paperboy import` does it: load with search indexing deferred, then build the index.
    // papersPerSecond is papers committed (in the store, feed and API) per second of the import
    // phase; indexedPerSecond is the FTS build that makes them findable by lexical search.
    const cpu = cpuMeter(cluster);
    const start = process.hrtime.bigint();
    const deferral = await deferSearchIndexing(db);
    const s = await importFiles(store, [file], { progress: true, batchSize: 5000, onBatch: () => deferral.heartbeat(), deferSearch: true });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const loadCpu = cpu.lap();
    // SQLite builds its FTS5 tables, PostgreSQL fills the search vectors the load left NULL.
    const built = await buildSearchIndex(db, { progress: true, deferral });
    const totalSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    const indexCpu = cpu.lap();
    const papers = await store.count();
    await db.close();
    if (s.rejected) throw new Error(`bench import: ${s.rejected} rejected`);
    if (built && built.indexed !== papers) throw new Error(`bench import: ${built.indexed} of ${papers} papers indexed`);
    const index = built ?? { seconds: 0, indexed: papers };
    console.log(
      JSON.stringify({
        bench: 'import',
        database,
        papers,
        seconds: Number(seconds.toFixed(2)),
        papersPerSecond: Math.round(papers / seconds),
        indexSeconds: Number(index.seconds.toFixed(2)),
        indexedPerSecond: Math.round(index.indexed / (index.seconds || seconds)),
        totalSeconds: Number(totalSeconds.toFixed(2)),
        // CPU time (this process plus, on PostgreSQL, the cluster's processes) per paper: steadier
        // than the rates on a shared machine.
        loadCpuUsPerPaper: Math.round(((loadCpu.own + loadCpu.database) / papers) * 1e6),
        // ... of which PostgreSQL's processes (0 on SQLite, which runs in this process)
        loadDatabaseCpuUsPerPaper: Math.round((loadCpu.database / papers) * 1e6),
        indexCpuUsPerPaper: Math.round(((indexCpu.own + indexCpu.database) / papers) * 1e6),
        loadAverage: Number(os.loadavg()[0].toFixed(1)),
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
  } finally {
    cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * CPU seconds used since the last lap by this process and, given a cluster, by PostgreSQL (apart): the
 * postmaster, its live children (backends, background writers) and the children it has reaped.
 */
function cpuMeter(cluster: PgCluster | null): { lap(): { own: number; database: number } } {
  const tick = 100; // USER_HZ on Linux
  const fields = (pid: string) => {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 (state) on
  };
  const pgSeconds = () => {
    if (!cluster) return 0;
    const postmaster = fs
      .readFileSync(path.join(cluster.dir, 'data', 'postmaster.pid'), 'utf8')
      .split('\n')[0]
      .trim();
    const own = fields(postmaster);
    // utime, stime, cutime, cstime are fields 14-17 (11-14 from state on)
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const f = fields(pid);
        if (f[1] === postmaster) ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // gone meanwhile
      }
    }
    return ticks / tick;
  };
  const ownSeconds = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let last = { own: ownSeconds(), pg: pgSeconds() };
  return {
    lap() {
      const now = { own: ownSeconds(), pg: pgSeconds() };
      const d = { own: now.own - last.own, database: now.pg - last.pg };
      last = now;
      return d;
    },
  };
}
