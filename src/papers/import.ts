import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseAtomFeed, type Rejected } from './formats/atom.js';
import { parseOaiPmh } from './formats/oai-pmh.js';
import { createProgress } from '../util/progress.js';
import type { ReaderBatch, ReaderInput } from './snapshot-reader.js';
import type { PaperStore } from './store.js';

export { snapshotToRecord } from './snapshot.js';

// Bulk import of the arXiv metadata snapshot (Kaggle JSON lines, plain or .gz), streamed in
// constant memory and written in batched transactions; plus arXiv API Atom and OAI-PMH files.
// Each batch commits on its own and re-importing a committed record changes nothing, so a killed
// import run again ends with the same papers as an uninterrupted one.

export interface ImportSummary {
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  rejections: Rejected[];
}

export interface ImportOptions {
  batchSize?: number;
  /** show the progress line (on stderr) */
  progress?: boolean;
  /** called for each rejected line or entry as it happens */
  onReject?: (file: string, r: Rejected) => void;
  /** called after each committed batch (the CLI keeps its search-index deferral alive) */
  onBatch?: () => void;
  /** reader threads of a large plain snapshot file (default: defaultReaders()) */
  readers?: number;
  /** batches written at once (default: the store's bulkWriters, else 1) */
  writers?: number;
  /**
   * The caller deferred search indexing and fills it afterwards (the CLI): a snapshot's bulk load
   * then leaves PostgreSQL's search vectors to that fill. SQLite's deferral is in the database.
   */
  deferSearch?: boolean;
}

function emptySummary(): ImportSummary {
  return { inserted: 0, updated: 0, unchanged: 0, rejected: 0, rejections: [] };
}

function addCounts(into: ImportSummary, s: { inserted: number; updated: number; unchanged: number }) {
  into.inserted += s.inserted;
  into.updated += s.updated;
  into.unchanged += s.unchanged;
}

/** What kind of file this is, from its first bytes (gzip magic, '<' for XML, '{' for JSON lines). */
export function sniffFormat(file: string): 'snapshot' | 'atom' | 'oai-pmh' {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    if (n >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return 'snapshot';
    const head = buf
      .subarray(0, n)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    if (head.startsWith('<')) {
      if (/<OAI-PMH[\s>]/.test(head)) return 'oai-pmh';
      if (/<feed[\s>]/.test(head)) return 'atom';
      throw new Error(`import: ${file} is XML but neither an Atom feed nor an OAI-PMH response`);
    }
    return 'snapshot';
  } finally {
    fs.closeSync(fd);
  }
}

// Plain files at least this big are read in chunks by reader threads, each taking every Nth chunk.
const CHUNK_BYTES = 4 << 20;

/**
 * Reader threads for a plain snapshot file: the cores but one, which is the writer's (and its
 * checkpoints'), and at most two. A reader parses a paper in about 32 us and the writer stores it
 * in about 40, so one reader nearly keeps up. On the 2-core machine two readers made four busy
 * threads on two cores, and the writer lost its core to them: `npm run bench -- import` ran at
 * 16,840-17,882 papers/s with two readers and 19,422-21,099 with one (and cleanText's quick path;
 * five alternating runs each).
 */
export function defaultReaders(cores = os.availableParallelism()): number {
  return Math.max(1, Math.min(2, cores - 1));
}

// A reader's young generation: every parsed line is garbage within a message or two, and with V8's
// default size a reader spent 8.5 us a paper collecting it (a sixth of its time); with 64 MB, 3.3
// (CPU profiles of `npm run bench -- import 100000 --database=postgres`), for about 20 MB more peak
// memory.
const READER_YOUNG_MB = 64;

async function importSnapshot(store: PaperStore, file: string, options: ImportOptions, summary: ImportSummary): Promise<void> {
  const progress = createProgress(`import ${file}`, 'papers', process.stderr, options.progress ?? false);
  const batchSize = options.batchSize ?? 2000;
  const readers = Math.max(1, Math.floor(options.readers ?? defaultReaders()));
  const total = fs.statSync(file).size || 1;
  const inputs: ReaderInput[] =
    file.endsWith('.gz') || sniffGzip(file) || total < 2 * CHUNK_BYTES
      ? [{ mode: 'stream', file, batchSize }]
      : Array.from({ length: readers }, (_, reader) => ({ mode: 'chunks', file, reader, readers, chunkBytes: CHUNK_BYTES }) as const);
  const workers = inputs.map(
    (workerData) => new Worker(new URL('./snapshot-reader.js', import.meta.url), { workerData, resourceLimits: { maxYoungGenerationSizeMb: READER_YOUNG_MB } }),
  );
  // Messages arrive from the readers in any order; they are taken strictly in file order (seq),
  // and their records written in batches of exactly batchSize, one batch after another.
  const arrived = new Map<number, { msg: ReaderBatch; from: Worker }>();
  let nextSeq = 0;
  let lineBase = 0;
  let bytes = 0;
  let seen = 0;
  let pendingRecords: ReaderBatch['records'] = [];
  let readersDone = 0;
  let finished = false;
  let chain = Promise.resolve();
  // Batches being written: up to `writers` at once where the store writes on several connections
  // (PostgreSQL computes each paper's search_vector on the connection that writes it). A batch
  // that holds a paper of one still being written waits for it, so a paper's later line in the
  // file is stored after its earlier one, as when batches are written one after another.
  const writers = Math.max(1, Math.floor(options.writers ?? store.bulkWriters ?? 1));
  const inFlight = new Set<{ ids: Set<string>; done: Promise<void> }>();
  let failure: { error: unknown } | null = null;
  const write = async (records: ReaderBatch['records']) => {
    const ids = new Set(records.map((r) => r.id));
    for (;;) {
      if (failure) throw failure.error;
      const earlier = [...inFlight].find((f) => records.some((r) => f.ids.has(r.id)));
      if (earlier) await earlier.done;
      else if (inFlight.size >= writers) await Promise.race([...inFlight].map((f) => f.done));
      else break;
    }
    const entry = {
      ids,
      done: store.upsertMany(records).then(
        (counts) => {
          inFlight.delete(entry);
          addCounts(summary, counts);
          seen += records.length;
          progress.update(seen, Math.min(1, bytes / total));
          options.onBatch?.();
        },
        (error: unknown) => {
          failure ??= { error };
        },
      ),
    };
    inFlight.add(entry);
  };
  const written = async () => {
    await Promise.all([...inFlight].map((f) => f.done));
    if (failure) throw failure.error;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const take = async () => {
        for (let next = arrived.get(nextSeq); next; next = arrived.get(nextSeq)) {
          arrived.delete(nextSeq++);
          const { msg, from } = next;
          for (const r of msg.rejects) {
            const rej = { where: `line ${lineBase + r.line}`, reason: r.reason };
            summary.rejected++;
            if (summary.rejections.length < 1000) summary.rejections.push(rej);
            options.onReject?.(file, rej);
          }
          lineBase += msg.lines;
          bytes += msg.bytes;
          pendingRecords = pendingRecords.length ? pendingRecords.concat(msg.records) : msg.records;
          from.postMessage('ack');
          while (pendingRecords.length >= batchSize) {
            const batch = pendingRecords.slice(0, batchSize);
            pendingRecords = pendingRecords.slice(batchSize);
            await write(batch);
          }
        }
      };
      for (const worker of workers) {
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (!finished) reject(new Error(`import: reader thread stopped early (exit code ${code})`));
        });
        worker.on('message', (msg: ReaderBatch | { type: 'done' }) => {
          if (msg.type === 'done') {
            if (++readersDone < workers.length) return;
            chain = chain.then(async () => {
              await take();
              if (arrived.size) throw new Error(`import: reader messages out of order (next ${nextSeq})`);
              if (pendingRecords.length) await write(pendingRecords);
              pendingRecords = [];
              await written();
              finished = true;
              resolve();
            });
            chain.catch(reject);
            return;
          }
          arrived.set(msg.seq, { msg, from: worker });
          chain = chain.then(take);
          chain.catch(reject);
        });
      }
    });
  } finally {
    finished = true;
    await Promise.all(workers.map((w) => w.terminate()));
    // A failed batch stops the import; the others already being written finish first (they never reject).
    await Promise.all([...inFlight].map((f) => f.done));
  }
  progress.finish();
}

function sniffGzip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    return fs.readSync(fd, buf, 0, 2, 0) === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

async function importXml(store: PaperStore, file: string, format: 'atom' | 'oai-pmh', options: ImportOptions, summary: ImportSummary) {
  const xml = fs.readFileSync(file, 'utf8');
  const page = format === 'atom' ? parseAtomFeed(xml) : parseOaiPmh(xml);
  for (const r of page.rejected) {
    summary.rejected++;
    summary.rejections.push(r);
    options.onReject?.(file, r);
  }
  addCounts(summary, await store.upsertMany(page.records));
  options.onBatch?.();
}

/** Import one or more files (snapshot JSON lines, .gz, Atom or OAI-PMH XML) into the store. */
export async function importFiles(store: PaperStore, files: string[], options: ImportOptions = {}): Promise<ImportSummary> {
  const summary = emptySummary();
  for (const file of files) {
    if (!fs.existsSync(file)) throw new Error(`import: no such file ${file}`);
    const format = sniffFormat(file);
    if (format === 'snapshot') await store.bulkLoad(() => importSnapshot(store, file, options, summary), { deferSearch: options.deferSearch });
    else await importXml(store, file, format, options, summary);
  }
  return summary;
}

export function formatSummary(s: ImportSummary): string {
  return `import: ${s.inserted} inserted, ${s.updated} updated, ${s.unchanged} unchanged, ${s.rejected} rejected`;
}
