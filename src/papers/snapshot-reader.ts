import fs from 'node:fs';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { parentPort, workerData } from 'node:worker_threads';
import { snapshotToRecord } from './snapshot.js';
import { contentHash, type PaperRecord } from './paper.js';

// Worker thread of the snapshot import: reads, parses, validates and hashes lines while the main
// thread writes the previous batch, so the two cores share the work. At most two batches wait
// for the writer at a time (backpressure), which keeps memory constant.

export interface ReaderBatch {
  type: 'batch';
  records: (PaperRecord & { contentHash: string })[];
  rejects: { line: number; reason: string }[];
  fraction: number;
}

export interface ReaderInput {
  file: string;
  batchSize: number;
}

const MAX_IN_FLIGHT = 2;

async function run({ file, batchSize }: ReaderInput): Promise<void> {
  const port = parentPort!;
  let inFlight = 0;
  let wake: (() => void) | null = null;
  port.on('message', () => {
    inFlight--;
    wake?.();
  });
  const total = fs.statSync(file).size || 1;
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const input = file.endsWith('.gz') ? raw.pipe(zlib.createGunzip()) : raw;
  raw.on('error', (e) => input.destroy(e));
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let batch: ReaderBatch = { type: 'batch', records: [], rejects: [], fraction: 0 };
  const send = async () => {
    while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => (wake = r));
    batch.fraction = Math.min(1, raw.bytesRead / total);
    inFlight++;
    port.postMessage(batch);
    batch = { type: 'batch', records: [], rejects: [], fraction: 0 };
  };
  let lineNo = 0;
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      batch.rejects.push({ line: lineNo, reason: `invalid JSON (${(e as Error).message})` });
      continue;
    }
    try {
      const r = snapshotToRecord(obj);
      batch.records.push({ ...r, contentHash: contentHash(r) });
    } catch (e) {
      batch.rejects.push({ line: lineNo, reason: (e as Error).message });
    }
    if (batch.records.length >= batchSize) await send();
  }
  await send();
  while (inFlight > 0) await new Promise<void>((r) => (wake = r));
  port.postMessage({ type: 'done' });
}

if (parentPort && workerData) {
  run(workerData as ReaderInput).catch((e) => {
    throw e;
  });
}
