import type BetterSqlite3 from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import type { CheckpointAnswer } from './checkpoint-thread.js';

/**
 * Checkpoints for a bulk load, on a second thread. A WAL checkpoint copies the pages committed to
 * the WAL into the database file and fsyncs both; run by the importing connection itself (SQLite's
 * auto-checkpoint), the import waited for the disk at every checkpoint: with synchronous = OFF, which
 * skips those fsyncs, the import bench ran about 20% faster (21,088 and 20,662 against 16,762 and
 * 18,196 papers/s, alternating runs), which is the time it spent waiting.
 *
 * Here a worker thread with its own connection runs a PASSIVE checkpoint after each committed batch
 * (while the next batch is written: a passive checkpoint never blocks the writer), so the fsyncs
 * overlap the import's work. Once the WAL holds `pages` pages, the importer waits for the running
 * checkpoint and copies the few pages committed since on its own thread: with nothing left in the
 * WAL, its next write starts the WAL over from the beginning, so it stays about `pages` long as it
 * did with auto-checkpoints. Nothing about durability changes: these are SQLite's own checkpoints,
 * fsyncs included, only on another thread.
 */
export class BackgroundCheckpointer {
  /** checkpoints the worker ran, and drains of the WAL's tail on the importing thread */
  rounds = 0;
  drains = 0;
  private inFlight: Promise<void> | null = null;
  /** pages in the WAL when the worker last looked */
  private log = 0;
  private failed = false;
  private readonly worker: Worker;

  private constructor(
    private readonly raw: BetterSqlite3.Database,
    private readonly pages: number,
  ) {
    this.worker = new Worker(new URL('./checkpoint-thread.js', import.meta.url), { workerData: { file: raw.name } });
    this.worker.on('error', (e) => this.fail(e));
  }

  /**
   * A checkpointer for `raw`, once its thread has opened the database (null for an in-memory
   * database, one not in WAL mode, or a thread that failed to start: auto-checkpoints then).
   */
  static async start(raw: BetterSqlite3.Database, pages: number): Promise<BackgroundCheckpointer | null> {
    if (raw.memory || String(raw.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return null;
    const ck = new BackgroundCheckpointer(raw, pages);
    const ready = await new Promise<boolean>((resolve) => {
      const onReady = () => {
        ck.worker.off('exit', onExit);
        resolve(true);
      };
      const onExit = () => {
        ck.worker.off('message', onReady);
        resolve(false);
      };
      ck.worker.once('message', onReady);
      ck.worker.once('exit', onExit);
    });
    if (ready && !ck.failed) return ck;
    await ck.worker.terminate();
    return null;
  }

  /** Call after each committed write: starts a checkpoint, or drains the WAL once it is long. */
  async afterCommit(): Promise<void> {
    if (this.failed) return;
    if (this.log >= this.pages) {
      if (this.inFlight) await this.inFlight;
      if (this.failed) return;
      // The pages committed while that checkpoint ran, copied here: the importer is not writing
      // now, so this one reaches the end of the WAL, and the next write transaction restarts it.
      this.raw.pragma('wal_checkpoint(PASSIVE)');
      this.log = 0;
      this.drains++;
    } else if (!this.inFlight) {
      this.inFlight = this.round().finally(() => (this.inFlight = null));
    }
  }

  private round(): Promise<void> {
    return new Promise((resolve) => {
      const onMessage = (a: CheckpointAnswer) => {
        this.worker.off('exit', onExit);
        if (a.error) this.fail(new Error(a.error));
        else {
          this.rounds++;
          this.log = a.log;
        }
        resolve();
      };
      const onExit = () => {
        this.worker.off('message', onMessage);
        this.fail(new Error('checkpoint thread exited'));
        resolve();
      };
      this.worker.once('message', onMessage);
      this.worker.once('exit', onExit);
      this.worker.postMessage('checkpoint');
    });
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = true;
    // SQLite's own auto-checkpoints take over: slower, never wrong.
    this.raw.pragma(`wal_autocheckpoint = ${this.pages}`);
    process.emitWarning(`import: background checkpoints stopped (${e.message}); checkpointing on the importing thread`);
  }

  /** Waits for a running checkpoint and stops the thread. */
  async close(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    if (this.failed) {
      await this.worker.terminate();
      return;
    }
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage('close');
    await exited;
  }
}
