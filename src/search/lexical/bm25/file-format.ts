import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Bm25Weights } from './formula.js';
import { type Postings, SKIP, sharedInts } from './postings.js';
import { type RowIds, TitleTable } from './row-tables.js';
import { writeWhole } from '../../../util/write-whole.js';

// The in-memory index's file: 'PBBM', the length of a JSON header (uint32 LE), the header, then raw
// arrays: per table (stemmed, exact) the lens, last and df of its terms and each term's postings;
// the stemmed term of each exact term; row lengths and title hashes; per list longer than SKIP its
// skip entries and block maxima; the paper ids (offsets, then UTF-8 bytes) when the index keeps
// them; the title checks. The file is a cache of what the database holds: only the current format
// is read, and a file of any other format, or one that does not read back whole, is rebuilt.

/** Written into every file; a file of another format is not read (its owner rebuilds the index). */
export const INDEX_FILE_FORMAT = 4;

const MAGIC = 'PBBM';

/** What the file holds of a MemoryBm25Index (memory-index.ts): saved from one, and loaded into a new one. */
export interface PersistedIndex {
  readonly stemmed: Postings;
  readonly exact: Postings;
  stemOf: Int32Array;
  len: Int32Array;
  titles: TitleTable;
  readonly ids: RowIds;
  boundAvgdl: number;
  readonly boundWeights: Bm25Weights;
  rows: number;
  tokens: number;
  ftsTokens: number;
  maxRowid: number;
  /** rows left out of answers (saved as a list in the header) */
  dead: Uint8Array | null;
  computeBounds(): void;
  kill(row: number): void;
}

interface Header {
  format: number;
  /** always true: the title checks follow the ids */
  titleChecks: boolean;
  /** bytes of ids at the end; null: the index keeps no ids */
  ids: number | null;
  key: string;
  boundAvgdl: number | null;
  boundWeights: Bm25Weights;
  rows: number;
  tokens: number;
  ftsTokens: number | null;
  maxRowid: number;
  stemmed: string[];
  exact: string[];
  /** the killed rows (absent: none) */
  dead?: number[];
  /** where the index stands in the papers' change feed (feed-index.ts; absent for an index built from FTS5) */
  feed?: unknown;
}

export interface IndexFileHeader {
  key: string;
  rows: number;
  maxRowid: number;
  /** where the index stands in the papers' change feed, as saved with it */
  feed?: unknown;
}

/** Writes the index (JSON header + raw arrays); `key` says what database state it reflects. */
export async function saveIndex(index: PersistedIndex, path: string, key: string, feed?: unknown): Promise<void> {
  const parts: Buffer[] = [];
  const bounded = index.boundAvgdl > 0;
  const { ids, titles, maxRowid } = index;
  const header: Header = {
    format: INDEX_FILE_FORMAT,
    titleChecks: true,
    ids: ids.complete ? ids.end : null,
    key,
    boundAvgdl: bounded ? index.boundAvgdl : null,
    boundWeights: index.boundWeights,
    rows: index.rows,
    tokens: index.tokens,
    ftsTokens: index.ftsTokens,
    maxRowid,
    stemmed: [...index.stemmed.termOf.keys()],
    exact: [...index.exact.termOf.keys()],
  };
  if (index.dead) {
    const dead: number[] = [];
    for (let r = 1; r <= maxRowid && r < index.dead.length; r++) if (index.dead[r] === 1) dead.push(r);
    header.dead = dead;
  }
  if (feed !== undefined) header.feed = feed;
  const raw = (a: Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  for (const p of [index.stemmed, index.exact]) {
    const n = p.terms;
    parts.push(raw(p.lens.subarray(0, n)), raw(p.last.subarray(0, n)), raw(p.df.subarray(0, n)));
    for (let t = 0; t < n; t++) parts.push(Buffer.from(p.bufs[t].buffer, p.bufs[t].byteOffset, p.lens[t]));
  }
  parts.push(raw(index.stemOf.subarray(0, index.exact.terms)));
  parts.push(raw(index.len.subarray(0, maxRowid + 1)), raw(titles.hashes.subarray(0, maxRowid + 1)));
  for (const p of [index.stemmed, index.exact]) {
    for (let t = 0; t < p.terms; t++) {
      if (p.df[t] <= SKIP) continue;
      const n = p.skipCount(t);
      parts.push(raw(p.skips.get(t)!.subarray(0, 2 * n)));
      if (bounded) {
        const bm = p.blockMax.get(t)!.subarray(0, n + 1);
        parts.push(Buffer.from(bm.buffer, bm.byteOffset, bm.byteLength));
      }
    }
  }
  if (ids.complete) parts.push(raw(ids.off.subarray(0, maxRowid + 2)), ids.bytes.subarray(0, ids.end));
  parts.push(raw(titles.checks.subarray(0, maxRowid + 1)));
  const h = Buffer.from(JSON.stringify(header));
  const hl = Buffer.alloc(4);
  hl.writeUInt32LE(h.length);
  await writeWhole(path, [Buffer.from(MAGIC), hl, h, ...parts]);
}

/** A header of the current format, or null. */
function currentHeader(json: string): Header | null {
  const h = JSON.parse(json) as Partial<Header>;
  return h.format === INDEX_FILE_FORMAT && h.titleChecks === true ? (h as Header) : null;
}

/** The key and row count of a saved index of the current format, reading only its header; null when there is none. */
export async function readIndexHeader(path: string): Promise<IndexFileHeader | null> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(path, 'r');
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0);
    if (head.subarray(0, 4).toString() !== MAGIC) return null;
    const hl = head.readUInt32LE(4);
    if (hl > (await fh.stat()).size - 8) return null;
    const h = Buffer.alloc(hl);
    await fh.read(h, 0, h.length, 8);
    const j = currentHeader(h.toString());
    return j && { key: j.key, rows: j.rows, maxRowid: j.maxRowid, ...(j.feed !== undefined ? { feed: j.feed } : {}) };
  } catch {
    return null;
  } finally {
    await fh?.close();
  }
}

/**
 * Reads a saved index into the index `make` gives when the file is of the current format, its key
 * is `key` and it reads back whole; else null (and `make` may not have been called).
 */
export async function loadIndex<T extends PersistedIndex>(path: string, key: string, make: () => T, windowBytes = WINDOW): Promise<T | null> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    return readIndex(new FileCursor(fd, fstatSync(fd).size, windowBytes), key, make);
  } catch {
    return null; // not JSON, or arrays cut short: a corrupt file is rebuilt like an old one
  } finally {
    closeSync(fd);
  }
}

/** Bytes read from the file at a time for its small arrays (larger ones are read straight into place). */
export const WINDOW = 8 << 20;

/**
 * The file read front to back into the arrays that keep its bytes, through one small window: a file
 * read whole first (610 MB at a million papers) doubled a joining process's memory while it loaded.
 */
class FileCursor {
  /** where in the file the next byte is */
  at = 0;
  private window = Buffer.alloc(0);
  private windowAt = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly windowBytes: number,
  ) {}

  /** The next `n` bytes, as a view that holds until the next call. */
  take(n: number): Uint8Array {
    if (this.at + n > this.size) throw new Error('lexical index file: cut short');
    if (this.at < this.windowAt || this.at + n > this.windowAt + this.window.length) {
      if (n > this.windowBytes) {
        const out = Buffer.allocUnsafe(n);
        this.fill(out);
        return out;
      }
      if (this.window.length === 0) this.window = Buffer.allocUnsafe(Math.min(this.windowBytes, Math.max(this.size, 1)));
      this.windowAt = this.at;
      this.readAt(this.window.subarray(0, Math.min(this.window.length, this.size - this.at)), this.at);
    }
    const from = this.at - this.windowAt;
    this.at += n;
    return this.window.subarray(from, from + n);
  }

  /** Fills `into` with the next bytes: from the window when they are in it, else read straight into it. */
  fill(into: Uint8Array): void {
    const n = into.length;
    if (this.at + n > this.size) throw new Error('lexical index file: cut short');
    if (n <= this.windowBytes) {
      into.set(this.take(n));
      return;
    }
    this.readAt(into, this.at);
    this.at += n;
  }

  private readAt(into: Uint8Array, position: number): void {
    for (let done = 0; done < into.length; ) {
      const got = readSync(this.fd, into, done, into.length - done, position + done);
      if (got === 0) throw new Error('lexical index file: cut short');
      done += got;
    }
  }
}

function readIndex<T extends PersistedIndex>(file: FileCursor, key: string, make: () => T): T | null {
  if (file.size < 8) return null;
  const head = Buffer.from(file.take(8));
  if (head.subarray(0, 4).toString() !== MAGIC) return null;
  const hl = head.readUInt32LE(4);
  if (hl > file.size - 8) return null;
  const h = currentHeader(Buffer.from(file.take(hl)).toString());
  if (!h || h.key !== key) return null;
  const out = make();
  const ints = (n: number) => {
    const a = new Int32Array(Math.max(n, 1));
    file.fill(new Uint8Array(a.buffer, 0, n * 4));
    return a;
  };
  for (const [p, terms] of [
    [out.stemmed, h.stemmed],
    [out.exact, h.exact],
  ] as const) {
    const n = terms.length;
    p.lens = ints(n);
    p.last = ints(n);
    p.df = ints(n);
    p.bufs = new Array(n);
    p.shared = true;
    for (let t = 0; t < n; t++) {
      p.termOf.set(terms[t], t);
      // Bytes of its own, so one list growing does not keep a larger buffer alive.
      const bytes = p.allocBytes(p.lens[t]);
      file.fill(bytes);
      p.bufs[t] = bytes;
    }
  }
  out.stemOf = ints(h.exact.length);
  out.len = sharedInts(ints(h.maxRowid + 1));
  const hashes = ints(h.maxRowid + 1);
  out.rows = h.rows;
  out.tokens = h.tokens;
  out.ftsTokens = h.ftsTokens ?? NaN;
  out.maxRowid = h.maxRowid;
  for (const r of h.dead ?? []) out.kill(r);
  const bounded = typeof h.boundAvgdl === 'number';
  // Saved skip entries and block maxima: no pass over the postings (seconds at a million papers).
  for (const p of [out.stemmed, out.exact]) {
    for (let t = 0; t < p.terms; t++) {
      if (p.df[t] <= SKIP) continue;
      const n = p.skipCount(t);
      p.skips.set(t, ints(2 * n));
      if (bounded) {
        const bm = new Float32Array(n + 1);
        file.fill(new Uint8Array(bm.buffer));
        p.blockMax.set(t, bm);
      }
    }
  }
  if (typeof h.ids === 'number') {
    out.ids.off = ints(h.maxRowid + 2);
    const bytes = Buffer.allocUnsafe(h.ids);
    file.fill(bytes);
    out.ids.bytes = bytes;
    out.ids.end = h.ids;
  } else out.ids.complete = false;
  const checks = ints(h.maxRowid + 1);
  // Every array read in full, and nothing after them: else the file was cut short or is not one of ours.
  if (file.at !== file.size) return null;
  out.titles = TitleTable.fromArrays(hashes, checks, out.len, out.maxRowid);
  const w = h.boundWeights;
  const ow = out.boundWeights;
  if (bounded && w && w.title === ow.title && w.abstract === ow.abstract && w.authors === ow.authors) out.boundAvgdl = h.boundAvgdl!;
  else out.computeBounds();
  return out;
}
