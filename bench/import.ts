import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/storage/database.js';
import { migrate } from '../src/storage/migrate.js';
import { createPaperStore } from '../src/papers/store.js';
import { importFiles } from '../src/papers/import.js';
import { buildSearchIndex, deferSearchIndexing } from '../src/search/lexical/index.js';
import { writeSyntheticSnapshot } from './synthetic.js';

// Imports a >= 200k-record snapshot file (real records, re-numbered ids) into a fresh SQLite
// database and prints {"bench":"import",...}. Target: >= 20,000 papers/s on 2 cores for the
// import phase; the search index build that follows is reported on its own.
export async function benchImport(args: string[]): Promise<void> {
  const count = Number(args[0] ?? 200_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bench-import-'));
  try {
    const file = path.join(dir, 'snapshot.jsonl');
    process.stderr.write(`bench import: writing ${count} records to ${file}\n`);
    await writeSyntheticSnapshot(file, count);
    // On disk before the clock starts, as a downloaded snapshot would be: otherwise the kernel
    // writes its ~400 MB back during the import, competing with the database's own writes.
    const fd = fs.openSync(file, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    const database = await openDatabase(`sqlite:${path.join(dir, 'bench.db')}`);
    await migrate(database);
    const store = createPaperStore(database);
    // As `paperboy import` does it: load with search indexing deferred, then build the index.
    // papersPerSecond is papers committed (in the store, feed and API) per second of the import
    // phase; indexedPerSecond is the FTS build that makes them findable by lexical search.
    const start = process.hrtime.bigint();
    const deferral = deferSearchIndexing(database);
    const s = await importFiles(store, [file], { progress: true, batchSize: 5000, onBatch: () => deferral.heartbeat() });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const built = await buildSearchIndex(database, { progress: true, deferral });
    const totalSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    const papers = await store.count();
    await database.close();
    if (s.rejected) throw new Error(`bench import: ${s.rejected} rejected`);
    if (!built || built.indexed !== papers) throw new Error(`bench import: ${built?.indexed} of ${papers} papers indexed`);
    console.log(
      JSON.stringify({
        bench: 'import',
        papers,
        seconds: Number(seconds.toFixed(2)),
        papersPerSecond: Math.round(papers / seconds),
        indexSeconds: Number(built.seconds.toFixed(2)),
        indexedPerSecond: Math.round(built.indexed / built.seconds),
        totalSeconds: Number(totalSeconds.toFixed(2)),
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
