import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

// The thread of BackgroundCheckpointer (checkpointer.ts): its own connection to the database file,
// running a PASSIVE checkpoint (copy the WAL's committed pages into the database file, with the
// fsyncs of synchronous = NORMAL) each time it is asked, while the importing thread goes on writing.

export interface CheckpointAnswer {
  /** pages in the WAL when the checkpoint ran, and how many of them are now in the database file */
  log: number;
  checkpointed: number;
  error?: string;
}

const db = new BetterSqlite3((workerData as { file: string }).file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
parentPort?.postMessage('ready');

parentPort?.on('message', (msg: 'checkpoint' | 'close') => {
  if (msg === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    parentPort!.postMessage({ log: r.log, checkpointed: r.checkpointed } satisfies CheckpointAnswer);
  } catch (e) {
    parentPort!.postMessage({ log: 0, checkpointed: 0, error: String((e as Error).message ?? e) } satisfies CheckpointAnswer);
  }
});
