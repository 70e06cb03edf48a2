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
// synchronous commit on, as an operator runs it); there the search_vector is written with each row,
// so the import phase includes it and no build follows (indexSeconds 0).
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
    const start = process.hrtime.bigint();
    const deferral = deferSearchIndexing(db);
    const s = await importFiles(store, [file], { progress: true, batchSize: 5000, onBatch: () => deferral.heartbeat() });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    // Null where the index is written with each row (PostgreSQL's search_vector).
    const built = await buildSearchIndex(db, { progress: true, deferral });
    const totalSeconds = Number(process.hrtime.bigint() - start) / 1e9;
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
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
  } finally {
    cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
