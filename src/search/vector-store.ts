import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Database } from '../storage/database.js';
import type { Embedder } from './embedder.js';
import { ExactVectorIndex } from './vector-index.js';
import { EXACT_SCAN_LIMIT, IvfVectorIndex } from './ivf-index.js';
import { buildIvfInWorker } from './ivf-worker.js';
import { TopK, dot } from './vector-math.js';

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

/** Papers that have no vector from this model version yet (oldest first, so a backfill is resumable). */
export async function papersMissingVectors(
  database: Database,
  embedder: Embedder,
  limit: number,
): Promise<{ id: string; title: string; abstract: string }[]> {
  return database.db
    .selectFrom('papers')
    .leftJoin('paper_vectors as v', (j) =>
      j.onRef('v.paper_id', '=', 'papers.id').on('v.model', '=', embedder.name).on('v.model_version', '=', embedder.version),
    )
    .select(['papers.id', 'papers.title', 'papers.abstract'])
    .where('v.paper_id', 'is', null)
    .orderBy('papers.id')
    .limit(limit)
    .execute();
}

export async function countMissingVectors(database: Database, embedder: Embedder): Promise<number> {
  const r = await database.db
    .selectFrom('papers')
    .leftJoin('paper_vectors as v', (j) =>
      j.onRef('v.paper_id', '=', 'papers.id').on('v.model', '=', embedder.name).on('v.model_version', '=', embedder.version),
    )
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('v.paper_id', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
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
export class VectorCache {
  private ids: string[] = [];
  private rowOf = new Map<string, number>();
  private data = new Float32Array(0);
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
  ) {}

  /** whether searches use the IVF index (else an exact scan) */
  get approximate(): boolean {
    return this.ivf !== null;
  }

  async refresh(force = false): Promise<void> {
    if (!force && Date.now() - this.lastRefresh < this.refreshMs && this.index) return;
    this.lastRefresh = Date.now();
    const rows = await this.database.db
      .selectFrom('paper_vectors')
      .select(['paper_id', 'vector', 'embedded_at'])
      .where('model', '=', this.embedder.name)
      .where('model_version', '=', this.embedder.version)
      .where('embedded_at', '>=', this.lastSeen)
      .orderBy('paper_id')
      .execute();
    const dim = this.embedder.dim;
    const fresh = rows.filter((r) => !this.rowOf.has(r.paper_id) || r.embedded_at > this.lastSeen);
    if (!fresh.length && this.index) return;
    const added = fresh.filter((r) => !this.rowOf.has(r.paper_id));
    const prevSeen = this.lastSeen;
    // Rows at exactly lastSeen come back every time; only a later write to a known paper is a change.
    const changedInPlace = fresh.some((r) => this.rowOf.has(r.paper_id) && r.embedded_at > prevSeen);
    let next = this.data;
    if (added.length) {
      next = new Float32Array((this.ids.length + added.length) * dim);
      next.set(this.data);
    }
    for (const r of fresh) {
      let row = this.rowOf.get(r.paper_id);
      if (row === undefined) {
        row = this.ids.length;
        this.ids.push(r.paper_id);
        this.rowOf.set(r.paper_id, row);
      }
      next.set(bytesToVector(r.vector, dim), row * dim);
      if (r.embedded_at > this.lastSeen) this.lastSeen = r.embedded_at;
    }
    this.data = next;
    this.index = new ExactVectorIndex(dim, this.data);
    if (changedInPlace) this.ivfStale = true;
    if (this.ids.length < this.exactScanLimit) {
      this.ivf = null;
    } else if (!this.ivf || this.ivfStale || this.ids.length > this.ivfRows * 1.1) {
      const key = `${this.embedder.name}@${this.embedder.version}:${this.ids.length}:${this.lastSeen}`;
      const saved = this.indexPath && !this.building ? await IvfVectorIndex.load(this.indexPath, key) : null;
      if (saved) {
        this.ivf = saved;
        this.ivfRows = this.ids.length;
      } else if (!this.building) {
        // k-means takes minutes at 1M vectors: build on a thread and keep serving meanwhile (the
        // previous index plus an exact scan of the rows after it, or an exact scan of all).
        const rows = this.ids.length;
        this.ivfStale = false;
        this.building = buildIvfInWorker(dim, this.data.subarray(0, rows * dim))
          .then(async (ivf) => {
            this.ivf = ivf;
            this.ivfRows = rows;
            if (this.indexPath) {
              const file = this.indexPath;
              await mkdir(dirname(file), { recursive: true })
                .then(() => ivf.save(file, key))
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
    if (!this.ivf) return this.index.search(query, k).map((h) => ({ id: this.ids[h.index], score: h.score }));
    const top = new TopK(k);
    for (const h of this.ivf.search(query, k)) top.push(h.index, h.score);
    const dim = this.embedder.dim;
    for (let row = this.ivfRows; row < this.ids.length; row++) top.push(row, dot(query, 0, this.data, row * dim, dim));
    return top.sorted().map((h) => ({ id: this.ids[h.index], score: h.score }));
  }

  score(query: Float32Array, id: string): number | undefined {
    const row = this.rowOf.get(id);
    return row === undefined || !this.index ? undefined : this.index.score(query, row);
  }
}
