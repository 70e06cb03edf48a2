import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/storage/database.js';
import { migrate } from '../src/storage/migrate.js';
import { createPaperStore } from '../src/papers/store.js';
import { importFiles } from '../src/papers/import.js';
import { writeSyntheticSnapshot } from './synthetic.js';

// Imports a >= 200k-record snapshot file (real records, re-numbered ids) into a fresh SQLite
// database and prints {"bench":"import",...}. Target: >= 20,000 papers/s on 2 cores.
export async function benchImport(args: string[]): Promise<void> {
  const count = Number(args[0] ?? 200_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bench-import-'));
  try {
    const file = path.join(dir, 'snapshot.jsonl');
    process.stderr.write(`bench import: writing ${count} records to ${file}\n`);
    await writeSyntheticSnapshot(file, count);
    const database = await openDatabase(`sqlite:${path.join(dir, 'bench.db')}`);
    await migrate(database);
    const store = createPaperStore(database);
    const start = process.hrtime.bigint();
    const s = await importFiles(store, [file], { progress: true, batchSize: 5000 });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const papers = await store.count();
    await database.close();
    if (s.rejected) throw new Error(`bench import: ${s.rejected} rejected`);
    console.log(
      JSON.stringify({
        bench: 'import',
        papers,
        seconds: Number(seconds.toFixed(2)),
        papersPerSecond: Math.round(papers / seconds),
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
