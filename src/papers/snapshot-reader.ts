import fs from 'node:fs';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { parentPort, workerData } from 'node:worker_threads';
import { snapshotToRecord } from './snapshot.js';
import { contentHash, type PaperRecord } from './paper.js';

// Worker threads of the snapshot import: read, parse, validate and hash lines while the main
// thread writes, so the cores share the work. Parsing costs more than writing, so a plain file is
// read by several readers, each taking every Nth chunk of the file; a gzip file, which can only
// be read from the start, by one. Each message is numbered (seq) so the main thread puts them
// back in file order; line numbers are relative to the message. At most two messages per reader
// wait for the writer (backpressure), which keeps memory constant.

export interface ReaderBatch {
  type: 'batch';
  /** position of this message in file order, across all readers */
  seq: number;
  records: (PaperRecord & { contentHash: string })[];
  /** line numbers relative to the first line of this message (1-based) */
  rejects: { line: number; reason: string }[];
  /** lines this message covers */
  lines: number;
  /** bytes of the file behind this message */
  bytes: number;
}

export type ReaderInput =
  | { mode: 'stream'; file: string; batchSize: number }
  | { mode: 'chunks'; file: string; reader: number; readers: number; chunkBytes: number };

const MAX_IN_FLIGHT = 2;

function backpressure() {
  const port = parentPort!;
  let inFlight = 0;
  let wake: (() => void) | null = null;
  port.on('message', () => {
    inFlight--;
    wake?.();
  });
  return {
    async send(batch: ReaderBatch) {
      while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => (wake = r));
      inFlight++;
      port.postMessage(batch);
    },
    async drain() {
      while (inFlight > 0) await new Promise<void>((r) => (wake = r));
      port.postMessage({ type: 'done' });
    },
  };
}

function parseLine(line: string, lineNo: number, batch: ReaderBatch): void {
  if (line.trim() === '') return;
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (e) {
    batch.rejects.push({ line: lineNo, reason: `invalid JSON (${(e as Error).message})` });
    return;
  }
  try {
    const r = snapshotToRecord(obj) as PaperRecord & { contentHash: string };
    r.contentHash = contentHash(r);
    batch.records.push(r);
  } catch (e) {
    batch.rejects.push({ line: lineNo, reason: (e as Error).message });
  }
}

const emptyBatch = (seq: number): ReaderBatch => ({ type: 'batch', seq, records: [], rejects: [], lines: 0, bytes: 0 });

/** One reader from the start of the file (gzip, or small files). */
async function runStream({ file, batchSize }: { file: string; batchSize: number }): Promise<void> {
  const out = backpressure();
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const input = file.endsWith('.gz') ? raw.pipe(zlib.createGunzip()) : raw;
  raw.on('error', (e) => input.destroy(e));
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let seq = 0;
  let batch = emptyBatch(seq);
  let sentBytes = 0;
  const send = async () => {
    batch.bytes = raw.bytesRead - sentBytes;
    sentBytes = raw.bytesRead;
    await out.send(batch);
    batch = emptyBatch(++seq);
  };
  for await (const line of rl) {
    batch.lines++;
    parseLine(line, batch.lines, batch);
    if (batch.records.length >= batchSize) await send();
  }
  await send();
  await out.drain();
}

/** The first byte at or after `from` that starts a line (the byte after a '\n'), or the file size. */
function lineStartAtOrAfter(fd: number, from: number, size: number): number {
  if (from <= 0) return 0;
  const buf = Buffer.allocUnsafe(1 << 16);
  for (let pos = from - 1; pos < size; pos += buf.length) {
    const n = fs.readSync(fd, buf, 0, buf.length, pos);
    const i = buf.subarray(0, n).indexOf(10);
    if (i >= 0) return pos + i + 1;
  }
  return size;
}

/**
 * Chunk k of the file holds the lines that start in [k * chunkBytes, (k + 1) * chunkBytes). Lines
 * end at '\n', '\r\n' or a lone '\r', as readline (the stream reader) splits them.
 */
async function runChunks({ file, reader, readers, chunkBytes }: { file: string; reader: number; readers: number; chunkBytes: number }): Promise<void> {
  const out = backpressure();
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const chunks = Math.max(1, Math.ceil(size / chunkBytes));
    for (let k = reader; k < chunks; k += readers) {
      const start = lineStartAtOrAfter(fd, k * chunkBytes, size);
      const end = lineStartAtOrAfter(fd, (k + 1) * chunkBytes, size);
      const batch = emptyBatch(k);
      batch.bytes = end - start;
      if (end > start) {
        const buf = Buffer.allocUnsafe(end - start);
        let got = 0;
        while (got < buf.length) got += fs.readSync(fd, buf, got, buf.length - got, start + got);
        // Each line is decoded on its own: decoding the whole chunk turns all of it into a
        // two-byte string at its first non-ASCII character, which made decoding a sixth of the
        // reader's time and slowed everything after it; most lines are pure ASCII. A '\n' or '\r'
        // byte is never part of a multi-byte UTF-8 sequence, so splitting on bytes is safe.
        // The chunk ends with '\n' unless it ends the file; either way nothing after the last '\n' is a line when empty.
        for (let from = 0; from < buf.length; ) {
          let to = buf.indexOf(10, from);
          if (to < 0) to = buf.length;
          const end = to > from && buf[to - 1] === 13 ? to - 1 : to;
          const line = buf.toString('utf8', from, end);
          if (line.includes('\r')) {
            for (const sub of line.split('\r')) parseLine(sub, ++batch.lines, batch);
          } else {
            parseLine(line, ++batch.lines, batch);
          }
          from = to + 1;
        }
      }
      await out.send(batch);
    }
  } finally {
    fs.closeSync(fd);
  }
  await out.drain();
}

if (parentPort && workerData) {
  const input = workerData as ReaderInput;
  (input.mode === 'chunks' ? runChunks(input) : runStream(input)).catch((e) => {
    throw e;
  });
}
