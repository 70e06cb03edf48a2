import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Database } from '../../storage/database.js';
import type { Embedder } from '../embedders/embedder.js';
import { ExactVectorIndex } from './vector-index.js';
import { EXACT_SCAN_LIMIT, IvfVectorIndex } from './ivf-index.js';
import { buildIvfInWorker } from './ivf-worker.js';
import { TopK, dot } from './vector-math.js';
import { readVectorsCopy } from './vector-copy-postgres.js';

/** Float32 vector <-> bytes as stored in paper_vectors.vector (little-endian, as on every supported host). */
export function vectorToBytes(v: Float32Array): Uint8Array {
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}
export function bytesToVector(b: Uint8Array, dim: number): Float32Array {
  if (b.byteLength !== dim * 4) throw new Error(`search: stored vector has ${b.byteLength} bytes, want ${dim * 4}`);
  const out = new Float32Array(dim);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/**
 * Papers that have no vector from this model version yet, in id order (so a backfill is resumable),
 * after the id `after` (to read the next batch while the last one is embedded).
 */
export async function papersMissingVectors(
  database: Database,
  embedder: Embedder,
  limit: number,
  after = '',
): Promise<{ id: string; title: string; abstract: string }[]> {
  return database.db
    .selectFrom('papers')
    .leftJoin('paper_vectors as v', (j) =>
      j.onRef('v.paper_id', '=', 'papers.id').on('v.model', '=', embedder.name).on('v.model_version', '=', embedder.version),
    )
    .select(['papers.id', 'papers.title', 'papers.abstract'])
    .where('v.paper_id', 'is', null)
    .where('papers.id', '>', after)
    .orderBy('papers.id')
    .limit(limit)
    .execute();
}

/**
 * How many papers there are, and how many have no vector from this model version: all papers less
 * those with one (a paper has at most one vector, and deleting it deletes the vector). Two counts on
 * indexes, not a join.
 */
export async function vectorCoverage(database: Database, embedder: Embedder): Promise<{ papers: number; missing: number }> {
  const papers = await database.db
    .selectFrom('papers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const vectors = await countVectors(database, embedder);
  return { papers: Number(papers.n), missing: Math.max(0, Number(papers.n) - vectors) };
}

/** How many papers have a vector from `embedder`'s model and version. */
async function countVectors(database: Database, embedder: Embedder): Promise<number> {
  const vectors = await database.db
    .selectFrom('paper_vectors')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('model', '=', embedder.name)
    .where('model_version', '=', embedder.version)
    .executeTakeFirstOrThrow();
  return Number(vectors.n);
}

export async function countMissingVectors(database: Database, embedder: Embedder): Promise<number> {
  return (await vectorCoverage(database, embedder)).missing;
}

export async function putVectors(database: Database, embedder: Embedder, rows: { id: string; vector: Float32Array }[]): Promise<void> {
  if (!rows.length) return;
  const now = new Date().toISOString();
  await database.db
    .insertInto('paper_vectors')
    .values(
      rows.map((r) => ({
        paper_id: r.id,
        model: embedder.name,
        model_version: embedder.version,
        dim: embedder.dim,
        vector: vectorToBytes(r.vector),
        embedded_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.column('paper_id').doUpdateSet((eb) => ({
        model: eb.ref('excluded.model'),
        model_version: eb.ref('excluded.model_version'),
        dim: eb.ref('excluded.dim'),
        vector: eb.ref('excluded.vector'),
        embedded_at: eb.ref('excluded.embedded_at'),
      })),
    )
    .execute();
}

/**
 * The in-memory vector index of one model version, loaded from paper_vectors and refreshed with
 * vectors written since (by this or another instance) at most every `refreshMs`.
 */
/** Vectors read from the database per query while the cache loads. */
const VECTOR_PAGE = 5_000;
/**
 * Each refresh re-reads vectors embedded this long before the newest one it has seen: a write
 * stamped earlier but committed later (another instance, or during a paged read) is not skipped.
 */
const LATE_COMMIT_MS = 10_000;

/**
 * What a search thread needs to run VectorCache.search and score on its own (search/threads/): the
 * shared vectors and the IVF lists, read-only. `rows` are those a search sees; `epoch` changes when
 * rows are relabelled (an IVF build moves the vectors into list order), so that rows answered under an
 * older epoch are not taken for the papers now at those rows.
 */
export interface VectorSnapshot {
  /** changes whenever any of the fields below does (a new thread registration is needed) */
  key: number;
  epoch: number;
  dim: number;
  rows: number;
  data: Float32Array;
  ivf: { centroids: Float32Array; offsets: Int32Array; order: Int32Array; rows: number; nprobe: number } | null;
}

/** Top-k rows of a snapshot for a query: the IVF lists and an exact scan of the rows after them, or an exact scan of all. */
export function searchSnapshot(s: Omit<VectorSnapshot, 'key' | 'epoch'>, query: Float32Array, k: number): { index: number; score: number }[] {
  if (s.rows === 0) return [];
  if (!s.ivf) return new ExactVectorIndex(s.dim, s.data.subarray(0, s.rows * s.dim)).search(query, k);
  const ivf = new IvfVectorIndex(s.dim, s.ivf.centroids, s.ivf.offsets, s.ivf.order, s.data, s.ivf.nprobe);
  const top = new TopK(k);
  for (const h of ivf.search(query, k)) top.push(h.index, h.score);
  for (let row = s.ivf.rows; row < s.rows; row++) top.push(row, dot(query, 0, s.data, row * s.dim, s.dim));
  return top.sorted();
}

/** Snapshot keys, unique in the process: a search thread holds the snapshots of several caches. */
let snapshotKeys = 0;

export class VectorCache {
  private ids: string[] = [];
  private rowOf = new Map<string, number>();
  private data: Float32Array<ArrayBufferLike> = new Float32Array(0);
  /** `data`'s bytes, where stored vectors are copied in */
  private bytes: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  /** when each row's vector was embedded (ms), to tell a re-read row from a changed one */
  private stamps = new Float64Array(0);
  private index: ExactVectorIndex | null = null;
  private lastSeen = '';
  private lastRefresh = 0;

  /** ANN index over the first `ivfRows` rows; rows after them (new since the build) are scanned exactly. */
  private ivf: IvfVectorIndex | null = null;
  private ivfRows = 0;
  /** an IVF build in progress on a worker thread */
  private building: Promise<void> | null = null;
  /** vectors changed in place since the IVF index was built from them */
  private ivfStale = false;

  /** Resolves when no IVF build is in progress (tests, benchmarks). */
  async settled(): Promise<void> {
    while (this.building) await this.building;
  }

  constructor(
    private readonly database: Database,
    readonly embedder: Embedder,
    private readonly refreshMs = 30_000,
    /** where the ANN index is persisted, so a restart with unchanged vectors does not rebuild it */
    private readonly indexPath: string | null = null,
    /** below this many vectors an exact scan is used (tests lower it) */
    private readonly exactScanLimit = EXACT_SCAN_LIMIT,
    /** vectors read per query */
    private readonly pageSize = VECTOR_PAGE,
    /** PostgreSQL: the first read is one COPY ... TO STDOUT instead of pages (false: pages, for tests) */
    private readonly bulkRead = true,
  ) {}

  /** whether the first read of the vectors has finished */
  get loaded(): boolean {
    return this.index !== null;
  }

  /** whether searches use the IVF index (else an exact scan) */
  get approximate(): boolean {
    return this.ivf !== null;
  }

  async refresh(force = false): Promise<void> {
    if (!force && Date.now() - this.lastRefresh < this.refreshMs && this.index) return;
    // One refresh at a time: a second caller waits for the running one instead of reading twice.
    while (this.refreshing) await this.refreshing;
    if (!force && Date.now() - this.lastRefresh < this.refreshMs && this.index) return;
    this.refreshing = this.readNewVectors().finally(() => {
      this.refreshing = null;
    });
    await this.refreshing;
  }

  private refreshing: Promise<void> | null = null;

  /** Room for `rows` vectors; grows by a quarter so daily additions do not copy a gigabyte each time. */
  private reserve(rows: number): void {
    const dim = this.embedder.dim;
    if (rows * dim <= this.data.length) return;
    const capacity = Math.max(rows, Math.ceil((this.data.length / dim) * 1.25), 1024);
    // Shared memory, so the IVF build thread reads these vectors instead of a copy of them.
    const next = new Float32Array(new SharedArrayBuffer(capacity * dim * 4));
    next.set(this.data.subarray(0, this.ids.length * dim));
    this.data = next;
    this.bytes = new Uint8Array(next.buffer);
    this.ivf?.rebind(next);
    const stamps = new Float64Array(capacity);
    stamps.set(this.stamps.subarray(0, this.ids.length));
    this.stamps = stamps;
  }

  private async readNewVectors(): Promise<void> {
    this.lastRefresh = Date.now();
    const dim = this.embedder.dim;
    const since = this.lastSeen ? new Date(Date.parse(this.lastSeen) - LATE_COMMIT_MS).toISOString() : '';
    let changed = false;
    let changedInPlace = false;
    // The first read takes every vector: room for all of them at once, and 5% more for the papers of
    // the next days. Grown a quarter at a time, the array was copied some 30 times on the way to a
    // million vectors, and the SharedArrayBuffers left behind (up to 0.8 GB each) waited for the GC:
    // a switch to a new model at a million papers peaked at 4.0-4.2 GB.
    const first = this.ids.length === 0;
    if (first) this.reserve(Math.ceil((await countVectors(this.database, this.embedder)) * 1.05));
    // The stored bytes go straight into the shared array: no Float32Array per row.
    const put = (paperId: string, vector: Uint8Array, embeddedAt: string) => {
      if (vector.byteLength !== dim * 4) throw new Error(`search: stored vector has ${vector.byteLength} bytes, want ${dim * 4}`);
      let row = this.rowOf.get(paperId);
      const stamp = Date.parse(embeddedAt);
      // Only a later write to a known paper is a change.
      if (row !== undefined && !(stamp > this.stamps[row])) return;
      changed = true;
      if (row === undefined) {
        row = this.ids.length;
        this.reserve(row + 1);
        this.ids.push(paperId);
        this.rowOf.set(paperId, row);
      } else changedInPlace = true;
      this.bytes.set(vector, row * dim * 4);
      this.stamps[row] = stamp;
      if (embeddedAt > this.lastSeen) this.lastSeen = embeddedAt;
    };
    const apply = (r: { paper_id: string; vector: Uint8Array; embedded_at: string }) => put(r.paper_id, r.vector, r.embedded_at);
    const model = this.database.db.selectFrom('paper_vectors').where('model', '=', this.embedder.name).where('model_version', '=', this.embedder.version);
    // In pages, in the order of the (model, model_version, embedded_at, paper_id) index, from after
    // (since, ''), i.e. every vector embedded at `since` or later: a first read of 1M vectors as one
    // result would hold another gigabyte of row buffers at once.
    const after = (at: string, id: string) =>
      model
        .where((eb) => eb(eb.refTuple('embedded_at', 'paper_id'), '>', eb.tuple(at, id)))
        .orderBy('embedded_at')
        .orderBy('paper_id');
    if (first && this.bulkRead && this.database.pg) {
      // PostgreSQL: every vector in one COPY, parsed chunk by chunk into the arrays (requests run
      // between chunks). At a million vectors the pages below cost a JS object and a Buffer per row
      // and some 200 round trips.
      await readVectorsCopy(this.database.pg, this.embedder, put);
    } else if (first) {
      for (let at = since, id = ''; ; ) {
        const rows = await after(at, id).select(['paper_id', 'vector', 'embedded_at']).limit(this.pageSize).execute();
        for (const r of rows) apply(r);
        if (rows.length < this.pageSize) break;
        ({ embedded_at: at, paper_id: id } = rows[rows.length - 1]);
        // A million vectors take some 45 s of reads that never wait (better-sqlite3): let requests
        // in between pages. Nothing reads this cache before it is loaded (searches answer lexically
        // meanwhile, see SearchService).
        await new Promise((resolve) => setImmediate(resolve));
      }
    } else {
      // The window starts LATE_COMMIT_MS before the newest vector seen, so after a bulk embedding it
      // holds that embedding's last seconds (100,000 vectors at a million papers) every time: read
      // their keys from the index alone, then only the vectors that are new or written again
      // (reading the window's vectors took 0.6 s of blocked event loop every 30 s).
      const wanted: string[] = [];
      for (let at = since, id = ''; ; ) {
        const keys = await after(at, id).select(['paper_id', 'embedded_at']).limit(this.pageSize).execute();
        for (const k of keys) {
          const row = this.rowOf.get(k.paper_id);
          if (row === undefined || Date.parse(k.embedded_at) > this.stamps[row]) wanted.push(k.paper_id);
        }
        if (keys.length < this.pageSize) break;
        ({ embedded_at: at, paper_id: id } = keys[keys.length - 1]);
        // Searches may run between pages: nothing has changed yet.
        await new Promise((resolve) => setImmediate(resolve));
      }
      for (let i = 0; i < wanted.length; i += 500) {
        for (const r of await model
          .select(['paper_id', 'vector', 'embedded_at'])
          .where('paper_id', 'in', wanted.slice(i, i + 500))
          .execute())
          apply(r);
      }
    }
    if (!changed && this.index) return;
    this.index = new ExactVectorIndex(dim, this.data.subarray(0, this.ids.length * dim));
    if (changedInPlace) this.ivfStale = true;
    if (this.ids.length < this.exactScanLimit) {
      this.ivf = null;
    } else if (!this.ivf || this.ivfStale || this.ids.length > this.ivfRows * 1.1) {
      const key = `${this.embedder.name}@${this.embedder.version}:${this.ids.length}:${this.lastSeen}`;
      const saved = this.indexPath && !this.building ? await IvfVectorIndex.load(this.indexPath, key, this.data, (id) => this.rowOf.get(id)) : null;
      if (saved) {
        saved.rebind(this.data);
        this.adopt(saved);
      } else if (!this.building) {
        // k-means takes minutes at 1M vectors: build on a thread and keep serving meanwhile (the
        // previous index plus an exact scan of the rows after it, or an exact scan of all).
        const rows = this.ids.length;
        this.ivfStale = false;
        this.building = buildIvfInWorker(dim, this.data.subarray(0, rows * dim))
          .then(async (ivf) => {
            ivf.rebind(this.data); // the vectors may have moved to a larger array meanwhile
            this.adopt(ivf);
            if (this.indexPath) {
              const file = this.indexPath;
              await mkdir(dirname(file), { recursive: true })
                .then(() => ivf.save(file, key, (row) => this.ids[row]))
                .catch(() => undefined); // a cache: failing to write it only costs a rebuild next start
            }
          })
          .catch(() => undefined) // exact scans go on; the next refresh tries again
          .finally(() => {
            this.building = null;
          });
      }
    }
  }

  /**
   * Serve searches from `ivf`, after moving its rows into list order (about a second at 1M vectors,
   * once per build): the cache's rows are relabelled to match.
   */
  private adopt(ivf: IvfVectorIndex): void {
    const moved = ivf.compact();
    const before = this.ids.slice(0, moved.length);
    const stamps = this.stamps.slice(0, moved.length);
    for (let row = 0; row < moved.length; row++) {
      const id = before[moved[row]];
      this.ids[row] = id;
      this.rowOf.set(id, row);
      this.stamps[row] = stamps[moved[row]];
    }
    this.ivf = ivf;
    this.ivfRows = moved.length;
    this.epoch++;
  }

  get size(): number {
    return this.ids.length;
  }

  vectorOf(id: string): Float32Array | null {
    const row = this.rowOf.get(id);
    if (row === undefined) return null;
    return this.data.subarray(row * this.embedder.dim, (row + 1) * this.embedder.dim);
  }

  search(query: Float32Array, k: number): { id: string; score: number }[] {
    if (!this.index || this.ids.length === 0) return [];
    return searchSnapshot(this.snapshot(), query, k).map((h) => ({ id: this.ids[h.index], score: h.score }));
  }

  private lastSnapshot: VectorSnapshot | null = null;
  /** bumped by adopt(), which relabels rows */
  private epoch = 0;

  /** The vectors as a search thread reads them (see VectorSnapshot); the same object until something changes. */
  snapshot(): VectorSnapshot {
    const rows = this.index ? this.index.size : 0;
    const dim = this.embedder.dim;
    const last = this.lastSnapshot;
    const ivf = this.ivf;
    if (last && last.rows === rows && last.data.buffer === this.data.buffer && last.epoch === this.epoch && (last.ivf === null) === (ivf === null)) return last;
    const data = this.data.subarray(0, Math.max(rows, this.ids.length) * dim);
    this.lastSnapshot = {
      key: ++snapshotKeys,
      epoch: this.epoch,
      dim,
      rows,
      data,
      ivf: ivf ? { centroids: ivf.centroids, offsets: ivf.offsets, order: ivf.order, rows: this.ivfRows, nprobe: ivf.nprobe } : null,
    };
    return this.lastSnapshot;
  }

  /** The row of a paper's vector in the current snapshot (-1: none). */
  rowOfId(id: string): number {
    const row = this.rowOf.get(id);
    return row === undefined || !this.index || row >= this.index.size ? -1 : row;
  }

  /** The paper at a row, when the snapshot's epoch is still the current one (else null: rows moved since). */
  idAt(row: number, epoch: number): string | null {
    return epoch === this.epoch ? (this.ids[row] ?? null) : null;
  }

  score(query: Float32Array, id: string): number | undefined {
    const row = this.rowOf.get(id);
    // A row added by a read still under way (PostgreSQL answers between its pages) is not in the
    // index yet.
    return row === undefined || !this.index || (row + 1) * this.embedder.dim > this.index.vectors.length ? undefined : this.index.score(query, row);
  }
}
