import { grow } from './postings.js';

// What the in-memory index keeps per row beside the postings, so that a search in step with the
// database needs no SQL: the rows with a given title, and each row's paper id.

/** FNV-1a over UTF-16 code units: the title table's hash. */
export function hashKey(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * A second 32-bit hash of a title key, unrelated to hashKey (multiply-rotate per code unit, then
 * murmur3's finaliser): a row whose title matches both is taken as having the title, wrong for
 * two different titles once in about 2^64 / rows lookups.
 */
export function checkKey(s: string): number {
  let h = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0xcc9e2d51);
    h = Math.imul((h << 15) | (h >>> 17), 0x1b873593);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * The rows by title key, to find "the user typed the exact title" without FTS5: two 32-bit hashes
 * of each row's titleKey (hashes, checks) and an open-addressing table of the rows by the first.
 */
export class TitleTable {
  /** hashKey(titleKey(title)) by rowid */
  hashes: Int32Array = new Int32Array(1024);
  /**
   * checkKey(titleKey(title)) by rowid: with hashes, 64 bits that stand in for reading the title
   * from the database (at a million papers, reading the ~20 copies of a title took up to 17 ms).
   */
  checks: Int32Array = new Int32Array(1024);
  /** rowid + 1 of each row, in the slot of its title hash (linear probing); 0: empty */
  private table = new Int32Array(1024);
  private count = 0;

  /** The table of rows 0..maxRowid with these hashes (as saved); `len[r] > 0` says row r exists. */
  static fromArrays(hashes: Int32Array, checks: Int32Array, len: Int32Array, maxRowid: number): TitleTable {
    const t = new TitleTable();
    t.hashes = hashes;
    t.checks = checks;
    for (let r = 0; r <= maxRowid; r++) if (len[r] > 0) t.add(r);
    return t;
  }

  /** Sets row `row`'s title key (a row not set before) and adds it to the table. */
  set(row: number, key: string): void {
    if (row >= this.hashes.length) {
      this.hashes = grow(this.hashes, row + 1);
      this.checks = grow(this.checks, row + 1);
    }
    this.hashes[row] = hashKey(key);
    this.checks[row] = checkKey(key);
    this.add(row);
  }

  /** Rows whose title has this titleKey hash (candidates: the caller compares the titles), ascending; `len[r] > 0` says row r exists. */
  rowsWithKey(key: string, len: Int32Array): number[] {
    const h = hashKey(key);
    const out: number[] = [];
    const { table, hashes } = this;
    const mask = table.length - 1;
    for (let i = h & mask; table[i] !== 0; i = (i + 1) & mask) {
      const r = table[i] - 1;
      if (hashes[r] === h && len[r] > 0) out.push(r);
    }
    return out.sort((a, b) => a - b);
  }

  /** Rows whose title has this titleKey, by both hashes, ascending. */
  rowsWithTitle(key: string, len: Int32Array): number[] {
    const c = checkKey(key);
    return this.rowsWithKey(key, len).filter((r) => this.checks[r] === c);
  }

  /** Adds a row to the hash table (open addressing, at most half full). */
  private add(row: number): void {
    if (2 * (this.count + 1) > this.table.length) {
      const old = this.table;
      this.table = new Int32Array(old.length * 2);
      this.count = 0;
      for (const r1 of old) if (r1 !== 0) this.add(r1 - 1);
    }
    const table = this.table;
    const mask = table.length - 1;
    let i = this.hashes[row] & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = row + 1;
    this.count++;
  }
}

/**
 * Paper ids by rowid, so that a search needs no SQL lookup per top row (at a million papers,
 * 200 random rowid lookups in a database of several GB took 6 ms at p50 and 15 ms at p99): the
 * UTF-8 bytes of each row's id in rowid order, row r's at off[r] .. off[r + 1] (empty for no
 * row). Kept while every row added came with its id (complete).
 */
export class RowIds {
  bytes: Buffer = Buffer.alloc(1024);
  off: Int32Array = new Int32Array(1024);
  end = 0;
  complete = true;

  /** The paper id of row `rowid` of rows 1..maxRowid, else undefined. */
  idOf(rowid: number, maxRowid: number): string | undefined {
    if (!this.complete || rowid <= 0 || rowid > maxRowid) return undefined;
    const a = this.off[rowid];
    const b = this.off[rowid + 1];
    return a === b ? undefined : this.bytes.toString('utf8', a, b);
  }

  /** Appends row `rowid`'s id, after rows up to `lastRow` (the rows skipped between get none). */
  add(rowid: number, id: string | undefined, lastRow: number): void {
    if (id === undefined || id === '') this.complete = false;
    if (!this.complete) return;
    if (rowid + 2 > this.off.length) this.off = grow(this.off, rowid + 2);
    for (let r = lastRow + 1; r < rowid; r++) this.off[r + 1] = this.end;
    const n = Buffer.byteLength(id!);
    if (this.end + n > this.bytes.length) {
      const next = Buffer.alloc(Math.max(2 * this.bytes.length, this.end + n));
      this.bytes.copy(next, 0, 0, this.end);
      this.bytes = next;
    }
    this.end += this.bytes.write(id!, this.end);
    this.off[rowid] = this.end - n;
    this.off[rowid + 1] = this.end;
  }
}
