import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPaper } from '../../papers/paper.js';
import { createPaperStore } from '../../papers/store.js';
import { freshDatabase } from '../../testing/databases.js';
import type { Embedder } from '../embedders/embedder.js';
import { normalize, rng } from './vector-math.js';
import { CopyRowParser, copyNewVectors } from './vector-copy-postgres.js';
import { VectorCache, putVectors } from './vector-store.js';

// A joining web process on PostgreSQL reads its vectors with one COPY ... TO STDOUT (binary),
// parsed straight into the cache's arrays, instead of pages of SELECTs with a JS object per row:
// the same vectors either way, and it catches up from there as before.

const DIM = 64;
const N = 900;
const id = (i: number) => `2502.${String(10000 + i)}`;
const vectorOf = (i: number, salt = 0) => {
  const rand = rng(i * 7 + salt + 1);
  const v = Float32Array.from({ length: DIM }, () => rand() - 0.5);
  normalize(v, 0, DIM);
  return v;
};
const embedder: Embedder = {
  name: 'test-vectors',
  version: '2',
  dim: DIM,
  embedQuery: async () => new Float32Array(DIM),
  embedPapers: async (papers) => papers.map(() => new Float32Array(DIM)),
};

test('[postgres] a joining process reads its vectors in one COPY, the same vectors as the paged read, and catches up after', async () => {
  const db = await freshDatabase('postgres');
  try {
    const store = createPaperStore(db);
    await store.upsertMany(Array.from({ length: N + 1 }, (_, i) => buildPaper({ id: id(i), title: `Paper ${i}` })));
    // Half written as the app writes them, half copied in as the bench does; some rewritten later
    // (another embedded_at) and one paper holding a vector of an older model version (not read).
    await putVectors(
      db,
      embedder,
      Array.from({ length: N / 2 }, (_, i) => ({ id: id(i), vector: vectorOf(i) })),
    );
    await copyNewVectors(
      db.pg!,
      embedder,
      Array.from({ length: N / 2 }, (_, i) => ({ id: id(N / 2 + i), vector: vectorOf(N / 2 + i) })),
      '2026-01-01T00:00:00.000Z',
    );
    await putVectors(
      db,
      embedder,
      Array.from({ length: 50 }, (_, i) => ({ id: id(i * 9), vector: vectorOf(i * 9, 1) })),
    );
    await copyNewVectors(db.pg!, { ...embedder, version: '1' }, [{ id: id(N), vector: vectorOf(N) }]);

    const paged = new VectorCache(db, embedder, 0, null, 1_000_000, 100, false);
    await paged.refresh(true);

    // Every statement the bulk cache's first read runs.
    const statements: string[] = [];
    const counted = new WeakSet<object>();
    db.pg!.on('acquire', (client) => {
      if (counted.has(client)) return;
      counted.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const q = args[0] as string | { text?: string };
        statements.push((typeof q === 'string' ? q : (q?.text ?? '')).replace(/\s+/g, ' '));
        return query(...args);
      };
    });
    const bulk = new VectorCache(db, embedder, 0, null, 1_000_000, 100);
    await bulk.refresh(true);
    assert.equal(statements.filter((s) => /^COPY \(SELECT/.test(s)).length, 1, statements.join('\n'));
    assert.equal(statements.filter((s) => /"vector"/.test(s)).length, 0, `no paged reads:\n${statements.join('\n')}`);

    assert.equal(bulk.size, N);
    assert.equal(paged.size, N);
    assert.equal(bulk.vectorOf(id(N)), null, 'another model version is not read');
    for (let i = 0; i < N; i++) {
      assert.deepEqual(bulk.vectorOf(id(i)), paged.vectorOf(id(i)), id(i));
      assert.deepEqual(bulk.vectorOf(id(i)), vectorOf(i, i % 9 === 0 && i < 450 ? 1 : 0), id(i));
    }
    for (const q of [vectorOf(3), vectorOf(500), vectorOf(81, 1)]) assert.deepEqual(bulk.search(q, 5), paged.search(q, 5));

    // Caught up from where the COPY ended: a vector written since and a rewritten one.
    await putVectors(db, embedder, [
      { id: id(N), vector: vectorOf(N, 2) },
      { id: id(500), vector: vectorOf(500, 2) },
    ]);
    await bulk.refresh(true);
    assert.equal(bulk.size, N + 1);
    assert.deepEqual(bulk.vectorOf(id(N)), vectorOf(N, 2));
    assert.deepEqual(bulk.vectorOf(id(500)), vectorOf(500, 2));
  } finally {
    await db.destroy();
  }
});

test('the binary COPY parser gives the same rows however the stream is cut', () => {
  const field = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeInt32BE(b.length);
    return [len, b];
  };
  const rows = Array.from({ length: 5 }, (_, i) => [`2501.0000${i}`, Buffer.from(vectorOf(i).buffer), `2026-01-0${i + 1}T00:00:00.000Z`] as const);
  const stream = Buffer.concat([
    Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
    Buffer.alloc(8),
    ...rows.flatMap(([id, v, at]) => [Buffer.from([0, 3]), ...field(Buffer.from(id)), ...field(v), ...field(Buffer.from(at))]),
    Buffer.from([0xff, 0xff]),
  ]);
  for (const cut of [1, 7, 100, stream.length]) {
    const got: [string, Buffer, string][] = [];
    const parser = new CopyRowParser((paperId, vector, at) => got.push([paperId, Buffer.from(vector), at]));
    for (let at = 0; at < stream.length; at += cut) parser.push(stream.subarray(at, at + cut));
    assert.equal(parser.done, true, `cut every ${cut} bytes`);
    assert.deepEqual(got, rows, `cut every ${cut} bytes`);
  }
});
