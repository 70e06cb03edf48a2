// paper_vectors in bulk on PostgreSQL, in COPY's binary format (pg-copy-streams, as the papers
// store's import): a joining web process reads every vector of a model in one COPY ... TO STDOUT,
// parsed straight into its arrays (about 5,000 paged SELECTs at a million vectors, each row a JS
// object with its own buffer before), and the search bench writes its vectors with one COPY ...
// FROM STDIN per batch.
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/** The 11-byte signature, then the flags and header-extension length (both 0). */
const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);

/** A binary-format field: its length, then its bytes. */
function field(out: Buffer[], bytes: Buffer | Uint8Array): void {
  const len = Buffer.alloc(4);
  len.writeInt32BE(bytes.byteLength);
  out.push(len, bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * Writes vectors of papers that have none yet (a plain COPY: a paper that already has one fails the
 * whole batch on the primary key; putVectors replaces).
 */
export async function copyNewVectors(
  pool: pg.Pool,
  model: { name: string; version: string; dim: number },
  rows: { id: string; vector: Float32Array }[],
  embeddedAt = new Date().toISOString(),
): Promise<void> {
  if (!rows.length) return;
  const name = Buffer.from(model.name);
  const version = Buffer.from(model.version);
  const at = Buffer.from(embeddedAt);
  const dim = Buffer.alloc(4);
  dim.writeInt32BE(model.dim);
  const parts: Buffer[] = [HEADER];
  for (const r of rows) {
    if (r.vector.length !== model.dim) throw new Error(`search: vector of ${r.id} has ${r.vector.length} dimensions, want ${model.dim}`);
    const count = Buffer.alloc(2);
    count.writeInt16BE(6);
    parts.push(count);
    field(parts, Buffer.from(r.id));
    field(parts, name);
    field(parts, version);
    field(parts, dim);
    field(parts, new Uint8Array(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength));
    field(parts, at);
  }
  parts.push(Buffer.from([0xff, 0xff]));
  const client = await pool.connect();
  try {
    await pipeline(
      Readable.from([Buffer.concat(parts)]),
      client.query(copyFrom('COPY paper_vectors (paper_id, model, model_version, dim, vector, embedded_at) FROM STDIN (FORMAT binary)')),
    );
  } finally {
    client.release();
  }
}

/**
 * Calls `row` for every vector of `model`, in no particular order, from one COPY (one snapshot).
 * `vector` is a view into the received chunk, valid only during the call: copy it out.
 */
export async function readVectorsCopy(
  pool: pg.Pool,
  model: { name: string; version: string },
  row: (paperId: string, vector: Uint8Array, embeddedAt: string) => void,
): Promise<number> {
  const client = await pool.connect();
  try {
    const sql =
      'COPY (SELECT paper_id, vector, embedded_at FROM paper_vectors' +
      ` WHERE model = ${client.escapeLiteral(model.name)} AND model_version = ${client.escapeLiteral(model.version)})` +
      ' TO STDOUT (FORMAT binary)';
    const parser = new CopyRowParser(row);
    for await (const chunk of client.query(copyTo(sql)) as AsyncIterable<Buffer>) parser.push(chunk);
    if (!parser.done) throw new Error('search: the vectors COPY ended before its trailer');
    return parser.rows;
  } finally {
    client.release();
  }
}

/** Parses COPY's binary output of (text, bytea, text) rows, chunk by chunk; a row may span chunks. */
export class CopyRowParser {
  private pending: Buffer = Buffer.alloc(0);
  private headerRead = false;
  done = false;
  rows = 0;
  /** where the fields of the row being parsed start, and their lengths (kept, not allocated per row) */
  private readonly starts = new Int32Array(3);
  private readonly lens = new Int32Array(3);

  constructor(private readonly row: (paperId: string, vector: Uint8Array, embeddedAt: string) => void) {}

  push(chunk: Buffer): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    if (!this.headerRead) {
      if (buf.length < 19) {
        this.pending = buf;
        return;
      }
      if (!buf.subarray(0, 11).equals(HEADER.subarray(0, 11))) throw new Error('search: not a binary COPY stream');
      at = 19 + buf.readInt32BE(15);
      this.headerRead = true;
    }
    while (!this.done) {
      if (buf.length - at < 2) break;
      const fields = buf.readInt16BE(at);
      if (fields === -1) {
        this.done = true;
        at += 2;
        break;
      }
      if (fields !== 3) throw new Error(`search: COPY row of ${fields} fields, want 3`);
      // Three length-prefixed fields; wait for the whole row.
      let end = at + 2;
      const { starts, lens } = this;
      let whole = true;
      for (let f = 0; f < 3; f++) {
        if (buf.length - end < 4) {
          whole = false;
          break;
        }
        lens[f] = buf.readInt32BE(end);
        if (lens[f] < 0) throw new Error('search: NULL in a stored vector row');
        starts[f] = end + 4;
        end = starts[f] + lens[f];
        if (end > buf.length) {
          whole = false;
          break;
        }
      }
      if (!whole) break;
      this.row(
        buf.toString('utf8', starts[0], starts[0] + lens[0]),
        buf.subarray(starts[1], starts[1] + lens[1]),
        buf.toString('utf8', starts[2], starts[2] + lens[2]),
      );
      this.rows++;
      at = end;
    }
    // Copy the rest out: a subarray would keep the whole chunk alive.
    this.pending = Buffer.from(buf.subarray(at));
  }
}
