import { test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SHARED_DATA } from '../../../testing/paths.js';
import { seededRandom } from '../../../util/prng.js';
import { freshDatabase } from '../../../testing/databases.js';
import { buildPaper } from '../../../papers/paper.js';
import { createPaperStore } from '../../../papers/store.js';
import { startMemoryIndex } from '../sqlite-accelerated.js';
import { INDEX_FILE_FORMAT, loadIndex } from './file-format.js';
import { MemoryBm25Index } from './memory-index.js';
import { hashKey } from './row-tables.js';
import { Fts5Stemmer, unicode61Tokens } from './fts5-tokens.js';
import { PART_ALIGN, newScratch, topRows } from './top-k.js';
import { parseQuery, titleKey } from '../query.js';
import { SqliteLexicalIndex, createStandaloneSchema, toFts5Query } from '../sqlite-fts5.js';
import { DEFAULT_COLUMN_WEIGHTS, EXACT_MATCH_SCORE } from '../types.js';

// Real text: 2,000 SciFact abstracts and the SciFact queries (questions and claims in natural language).
// They stay in ../shared (3 MB, CC BY-NC 2.0: not copied into the repository); without them the
// tests that read them are skipped, saying why.
const scifact = path.join(SHARED_DATA, 'retrieval/scifact/beir');
const NO_SCIFACT = fs.existsSync(scifact) ? false : `needs the SciFact text in ${scifact} (../shared/data, not in the repository)`;
const scifactLines = (file: string) => (NO_SCIFACT ? '' : fs.readFileSync(path.join(scifact, file), 'utf8'));
/** A test on the SciFact text. */
const test = (name: string, fn: () => void | Promise<void>) => nodeTest(name, { skip: NO_SCIFACT }, fn);
const DOCS = scifactLines('corpus.jsonl')
  .split('\n')
  .filter(Boolean)
  .slice(0, 2000)
  .map((l) => JSON.parse(l) as { _id: string; title: string; text: string });
const QUERIES = scifactLines('queries.jsonl')
  .split('\n')
  .filter(Boolean)
  .slice(0, 150)
  .map((l) => (JSON.parse(l) as { text: string }).text)
  .concat(['cell', 'protein expression', 'naïve café Straße', 'TNF-α', 'δ cells', 'x', 'the of']);

function database(docs = DOCS): Database.Database {
  const db = new Database(':memory:');
  createStandaloneSchema(db);
  const ins = db.prepare('INSERT INTO papers (arxiv_id, title, abstract, authors) VALUES (?, ?, ?, ?)');
  db.transaction(() => docs.forEach((d, i) => ins.run(d._id, d.title, d.text, i % 3 ? '' : 'Ada Lovelace, Grace Hopper')))();
  return db;
}

async function accelerated(db: Database.Database): Promise<SqliteLexicalIndex> {
  const lex = new SqliteLexicalIndex(db);
  lex.accelerate(await lex.buildMemoryIndex({ chunk: 700 }));
  return lex;
}

/** FTS5 and the memory index agree: same rows in the same order, same scores (up to float rounding of avgdl). */
function assertSameRanking(fts: { rowid: number; rank: number }[], mem: { rowid: number; score: number }[], what: string): void {
  assert.equal(mem.length, fts.length, `${what}: number of hits`);
  for (let i = 0; i < fts.length; i++) {
    const want = -fts[i].rank;
    assert.ok(Math.abs(mem[i].score - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${what}: score at ${i}: ${mem[i].score} vs ${want}`);
    // Equal scores may come in either order.
    if (mem[i].rowid !== fts[i].rowid)
      assert.ok(
        Math.abs(-fts[i].rank - mem[i].score) < 1e-9 && fts.some((f) => f.rowid === mem[i].rowid && Math.abs(-f.rank - mem[i].score) < 1e-9),
        `${what}: row at ${i}`,
      );
  }
}

nodeTest('unicode61Tokens splits and folds like FTS5 unicode61 remove_diacritics 2', () => {
  assert.deepEqual(unicode61Tokens('Naïve Café-au-lait, TNF-α_β x2 3.5'), ['naive', 'cafe', 'au', 'lait', 'tnf', 'α', 'β', 'x2', '3', '5']);
});

test('the memory index ranks exactly as FTS5 bm25 on real abstracts (stemmed and exact tables)', async () => {
  const db = database();
  const index = await new SqliteLexicalIndex(db).buildMemoryIndex({ chunk: 700 });
  const fts = (table: string) =>
    db.prepare(`SELECT rowid, bm25(${table}, 2.5, 1, 0.5) AS rank FROM ${table} WHERE ${table} MATCH ? ORDER BY rank, rowid LIMIT 20`);
  // The row and token counts bm25 uses (N, avgdl) are FTS5's.
  const block = db.prepare(`SELECT block FROM papers_fts_data WHERE id = 1`).pluck().get() as Uint8Array;
  assert.ok(block.length > 0);
  assert.equal(index.rows, DOCS.length);
  let compared = 0;
  for (const q of QUERIES) {
    const parsed = parseQuery(q);
    const match = toFts5Query(parsed);
    if (!match) continue;
    const terms = parsed.terms.map((t) => unicode61Tokens(t)[0]);
    assertSameRanking(fts('papers_fts').all(match) as never, index.search(terms, DEFAULT_COLUMN_WEIGHTS, 20, false), `stemmed ${q}`);
    assertSameRanking(fts('papers_fts_exact').all(match) as never, index.search(terms, DEFAULT_COLUMN_WEIGHTS, 20, true), `exact ${q}`);
    compared++;
  }
  assert.ok(compared > 100);
  index.stemmer.close();
});

test('SqliteLexicalIndex answers the same with and without the memory index', async () => {
  const db = database();
  const plain = new SqliteLexicalIndex(db);
  const fast = await accelerated(db);
  const queries = [...QUERIES, DOCS[5].title, DOCS[6].title.toUpperCase(), '"protein expression" cells', DOCS[7]._id];
  for (const q of queries) {
    const a = plain.searchSync(q, { limit: 30 });
    const b = fast.searchSync(q, { limit: 30 });
    assert.deepEqual(b.map((h) => h.id).slice(0, 10), a.map((h) => h.id).slice(0, 10), q);
    b.forEach((h, i) => assert.ok(Math.abs(h.score - a[i].score) <= 1e-9 * Math.max(1, a[i].score), `${q} score ${i}`));
  }
});

test('scoreBound is (k1 + 1) times the idf of each query word in each table, the same with and without the memory index, and no paper scores above it', async () => {
  const db = database();
  const plain = new SqliteLexicalIndex(db, DEFAULT_COLUMN_WEIGHTS, 0); // stemmed bm25 alone
  const both = new SqliteLexicalIndex(db); // stemmed bm25 plus half the exact table's, as served
  const fast = await accelerated(db);
  const n = DOCS.length;
  const stemmer = new Fts5Stemmer();
  // Document frequencies counted here over the stems of every paper's text, by hand.
  const df = new Map<string, number>();
  for (const d of DOCS) {
    const stems = new Set(unicode61Tokens(`${d.title} ${d.text}`).map((w) => stemmer.stem(w)));
    for (const s of stems) df.set(s, (df.get(s) ?? 0) + 1);
  }
  const idf = (w: string) => {
    const k = df.get(stemmer.stem(w)) ?? 0;
    return k === 0 ? 0 : Math.max(1e-6, Math.log((n - k + 0.5) / (k + 0.5)));
  };
  assert.ok(Math.abs(plain.scoreBoundSync('protein expression') - 2.2 * (idf('protein') + idf('expression'))) < 1e-9);
  stemmer.close();
  assert.equal(plain.scoreBoundSync('zzqxv'), 0, 'a word no paper has adds nothing');
  for (const q of [...QUERIES.slice(0, 60), DOCS[5].title, '"protein expression" cells']) {
    const a = plain.scoreBoundSync(q);
    const b = both.scoreBoundSync(q);
    assert.ok(b > a || a === 0, `${q}: the exact table adds to the bound`);
    assert.ok(Math.abs(fast.scoreBoundSync(q) - b) <= 1e-9 * Math.max(1, b), q);
    // (An exact title is pinned above every score; it never enters the fusion.)
    for (const [index, bound] of [
      [plain, a],
      [both, b],
      [fast, b],
    ] as const) {
      for (const h of index.searchSync(q, { limit: 10 })) if (h.score < EXACT_MATCH_SCORE) assert.ok(h.score <= bound + 1e-9, `${q}: ${h.score} > ${bound}`);
    }
  }
  // A paper that is nothing but the query's words, many times over, comes close to the bound.
  const one = database([...DOCS.slice(0, 200), { _id: 'rep', title: 'glycosylation glycosylation', text: 'glycosylation '.repeat(40) }]);
  const index = new SqliteLexicalIndex(one, DEFAULT_COLUMN_WEIGHTS, 0);
  const [top] = index.searchSync('glycosylation', { limit: 1 });
  assert.equal(top.id, 'rep');
  assert.ok(top.score / index.scoreBoundSync('glycosylation') > 0.8);
});

test('ranked: the stemmed top rows and the exact top rows of the over-stemmed words, each by stemmed bm25 plus half its exact bm25', async () => {
  const db = database();
  const plain = new SqliteLexicalIndex(db);
  const fast = await accelerated(db);
  const w = '2.5, 1, 0.5';
  const bm25Of = (table: string) =>
    db.prepare(`SELECT bm25(${table}, ${w}) AS rank FROM ${table} WHERE ${table} MATCH ? AND rowid = (SELECT rowid FROM papers WHERE arxiv_id = ?)`).pluck();
  const [stemmed, exact] = [bm25Of('papers_fts'), bm25Of('papers_fts_exact')];
  const topIds = (table: string) =>
    db.prepare(`SELECT p.arxiv_id FROM ${table} f JOIN papers p ON p.rowid = f.rowid WHERE ${table} MATCH ? ORDER BY bm25(${table}, ${w}) LIMIT 10`).pluck();
  const df = (table: string) => db.prepare(`SELECT count(*) FROM ${table} WHERE ${table} MATCH ?`).pluck();
  let withExactRows = 0;
  for (const q of QUERIES) {
    const parsed = parseQuery(q);
    const match = toFts5Query(parsed);
    if (!match || parsed.phrases.length) continue;
    // The candidates, from FTS5 alone: the stemmed table's top 10, and the exact table's top 10 for
    // the words fewer papers have as typed than half of those with their stem.
    const words = parsed.terms
      .map(unicode61Tokens)
      .filter((t) => t.length === 1)
      .map((t) => t[0]);
    const over = words.filter((x) => {
      const m = toFts5Query({ phrases: [], terms: [x] });
      const e = df('papers_fts_exact').get(m) as number;
      return e > 0 && e < 0.5 * (df('papers_fts').get(m) as number);
    });
    const candidates = new Set(topIds('papers_fts').all(match) as string[]);
    const before = candidates.size;
    if (over.length) for (const id of topIds('papers_fts_exact').all(toFts5Query({ phrases: [], terms: over })) as string[]) candidates.add(id);
    if (candidates.size > before) withExactRows++;
    const score = (id: string) => -((stemmed.get(match, id) as number | undefined) ?? 0) - 0.5 * ((exact.get(match, id) as number | undefined) ?? 0);
    const want = [...candidates].map((id) => ({ id, score: score(id) })).sort((a, b) => b.score - a.score);
    for (const lex of [plain, fast]) {
      const hits = lex.searchSync(q, { limit: 10 });
      if (hits.some((h) => h.score >= 1e6)) continue; // an exact title, pinned first
      assert.equal(hits.length, Math.min(10, want.length), q);
      hits.forEach((h, k) => {
        assert.ok(candidates.has(h.id), `${q}: ${h.id} is a candidate`);
        assert.ok(Math.abs(h.score - score(h.id)) <= 1e-9 * Math.max(1, h.score), `${q}: ${h.id} ${h.score} vs ${score(h.id)}`);
        // The best of the candidates (equal scores in either order).
        assert.ok(Math.abs(h.score - want[k].score) <= 1e-9 * Math.max(1, h.score), `${q}: rank ${k}`);
      });
    }
  }
  // The test meant something: queries whose exact rows of over-stemmed words added candidates.
  assert.ok(withExactRows > 10, `${withExactRows}`);
  fast.memoryIndex!.stemmer.close();
});

test("papers with an over-stemmed word as typed are found when the stem's other words fill the stemmed top rows", async () => {
  // Porter stems "generalization" and "generation" alike ("gener"): 40 generation papers with the
  // word in their titles outrank, by stemmed bm25, the 4 with "generalization" in their abstracts.
  const docs = [
    ...Array.from({ length: 40 }, (_, i) => ({
      _id: `gen-${i}`,
      title: `Generation of text ${i}`,
      text: `We study generation and generation methods, case ${i}.`,
    })),
    ...Array.from({ length: 4 }, (_, i) => ({
      _id: `gz-${i}`,
      title: `A study of models ${i}`,
      text: `Out of distribution generalization in a long abstract about models and data, number ${i}.`,
    })),
    ...DOCS.slice(0, 300),
  ];
  const db = database(docs);
  const plain = new SqliteLexicalIndex(db);
  const fast = await accelerated(db);
  const stemmedTop = db
    .prepare(
      `SELECT p.arxiv_id FROM papers_fts f JOIN papers p ON p.rowid = f.rowid WHERE papers_fts MATCH 'generalization' ORDER BY bm25(papers_fts, 2.5, 1, 0.5) LIMIT 5`,
    )
    .pluck();
  assert.ok(
    (stemmedTop.all() as string[]).every((id) => id.startsWith('gen-')),
    'the stemmed top 5 are generation papers',
  );
  for (const lex of [plain, fast]) {
    const hits = (lex === fast ? await lex.search('generalization', { limit: 5 }) : lex.searchSync('generalization', { limit: 5 })).map((h) => h.id);
    assert.deepEqual(new Set(hits.slice(0, 4)), new Set(['gz-0', 'gz-1', 'gz-2', 'gz-3']), hits.join(' '));
  }
  await fast.memoryIndex!.closeWorker();
  fast.memoryIndex!.stemmer.close();
});

test('with the memory index: exact title first, hostile input safe, phrases honoured', async () => {
  const db = database();
  const fast = await accelerated(db);
  for (const q of ['"', '"NEAR(', 'NEAR(a b, 2)', '((((unbalanced', "'; DROP TABLE papers; --", 'x'.repeat(10_000), 'word '.repeat(2_000), '', '\u0000 🤖']) {
    assert.doesNotThrow(() => fast.searchSync(q, { limit: 10 }), q.slice(0, 20));
  }
  const target = DOCS[42];
  assert.equal(fast.searchSync(target.title, { limit: 5 })[0].id, target._id);
  const phrase = fast.searchSync('"gene expression"', { limit: 50 });
  const text = new Map(DOCS.map((d) => [d._id, `${d.title} ${d.text}`.toLowerCase()]));
  assert.ok(phrase.length > 0);
  for (const h of phrase) assert.match(text.get(h.id)!, /gene[^a-z0-9]+express/);
});

test('the memory index follows appended rows and steps aside when rows are deleted', async () => {
  const db = database(DOCS.slice(0, 500));
  const fast = await accelerated(db);
  db.prepare('INSERT INTO papers (arxiv_id, title, abstract, authors) VALUES (?, ?, ?, ?)').run(
    'new-1',
    'Zymurgy of quasicrystals',
    'Brewing meets zymurgy.',
    '',
  );
  assert.equal(fast.searchSync('zymurgy', { limit: 5 })[0].id, 'new-1');
  assert.equal(fast.memoryIndex!.rows, 501);
  db.prepare('DELETE FROM papers WHERE arxiv_id = ?').run('new-1');
  // FTS5 answers now (the memory index still has the deleted row).
  assert.deepEqual(fast.searchSync('zymurgy', { limit: 5 }), []);
  assert.equal(fast.stale, true);
  // A change in place is seen too (FTS5's token count moves) and FTS5 answers.
  const again = await accelerated(db);
  db.prepare('UPDATE papers SET abstract = ? WHERE arxiv_id = ?').run('Zzyzx road.', DOCS[10]._id);
  assert.deepEqual(
    again.searchSync('zzyzx', { limit: 5 }).map((h) => h.id),
    [DOCS[10]._id],
  );
  assert.equal(again.stale, true);
});

test("whileStale 'memory': a change in place leaves the memory index answering, with the previous text, until a rebuilt one is attached", async () => {
  const db = database(DOCS.slice(0, 500));
  const lex = new SqliteLexicalIndex(db, undefined, undefined, { whileStale: 'memory' });
  const old = await lex.buildMemoryIndex({ chunk: 700 });
  lex.accelerate(old);
  const target = DOCS[10];
  const oldWord = unicode61Tokens(target.title).sort((a, b) => b.length - a.length)[0];
  const before = lex.searchSync(oldWord, { limit: 500 }).map((h) => h.id);
  assert.ok(before.includes(target._id), oldWord);
  db.prepare('UPDATE papers SET title = ?, abstract = ? WHERE arxiv_id = ?').run('Zzyzx road', 'Zzyzx road.', target._id);
  db.prepare('DELETE FROM papers WHERE arxiv_id = ?').run(DOCS[11]._id);
  db.prepare('INSERT INTO papers (arxiv_id, title, abstract, authors) VALUES (?, ?, ?, ?)').run(
    'new-1',
    'Zymurgy of quasicrystals',
    'Brewing meets zymurgy.',
    '',
  );
  // The memory index still answers (FTS5 would find zzyzx): the changed paper by its old words,
  // the deleted one nowhere, the appended one at once.
  assert.deepEqual(lex.searchSync('zzyzx', { limit: 5 }), []);
  assert.equal(lex.stale, true);
  assert.equal(lex.memoryIndex, old);
  assert.ok(lex.searchSync(oldWord, { limit: 500 }).some((h) => h.id === target._id));
  assert.equal(lex.searchSync('zymurgy', { limit: 5 })[0].id, 'new-1');
  assert.ok(!lex.searchSync(DOCS[11].title, { limit: 500 }).some((h) => h.id === DOCS[11]._id));
  // The rebuilt index agrees with FTS5 again, and is attached in step.
  lex.accelerate(await lex.buildMemoryIndex({ chunk: 700 }));
  assert.equal(lex.stale, false);
  assert.deepEqual(
    lex.searchSync('zzyzx', { limit: 5 }).map((h) => h.id),
    [target._id],
  );
  assert.equal(lex.stale, false);
  const plain = new SqliteLexicalIndex(db);
  for (const q of [oldWord, 'zymurgy', ...QUERIES.slice(0, 20)]) {
    assert.deepEqual(
      lex.searchSync(q, { limit: 10 }).map((h) => h.id),
      plain.searchSync(q, { limit: 10 }).map((h) => h.id),
      q,
    );
  }
  old.stemmer.close();
  lex.memoryIndex!.stemmer.close();
});

test('a saved memory index loads with the same answers and refuses another key', async () => {
  const db = database(DOCS.slice(0, 500));
  const lex = new SqliteLexicalIndex(db);
  const built = await lex.buildMemoryIndex();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bm25-'));
  try {
    const file = path.join(dir, 'lexical.bm25');
    await built.save(file, 'k1');
    assert.equal(await MemoryBm25Index.load(file, 'k2'), null);
    assert.deepEqual(await MemoryBm25Index.readHeader(file), { key: 'k1', rows: 500, maxRowid: 500 });
    const loaded = (await MemoryBm25Index.load(file, 'k1'))!;
    for (const q of QUERIES.slice(0, 30)) {
      const terms = parseQuery(q).terms;
      assert.deepEqual(loaded.search(terms, DEFAULT_COLUMN_WEIGHTS, 10, false), built.search(terms, DEFAULT_COLUMN_WEIGHTS, 10, false), q);
    }
    // The file is read through a window, not whole: with a window of 64 bytes (most arrays read
    // straight into place, the small ones across many refills) or 4 KB it loads the same index.
    for (const windowBytes of [64, 4096]) {
      const small = (await loadIndex(file, 'k1', () => new MemoryBm25Index(), windowBytes))!;
      assert.ok(small, `window ${windowBytes}`);
      for (const q of QUERIES.slice(0, 30)) {
        const terms = parseQuery(q).terms;
        assert.deepEqual(
          small.search(terms, DEFAULT_COLUMN_WEIGHTS, 10, false),
          built.search(terms, DEFAULT_COLUMN_WEIGHTS, 10, false),
          `${q} (window ${windowBytes})`,
        );
      }
      assert.deepEqual(
        [1, 250, 500].map((r) => small.idOf(r)),
        [1, 250, 500].map((r) => built.idOf(r)),
      );
      small.stemmer.close();
    }
    // The paper ids came with the rows and load with them.
    assert.ok(built.hasIds && loaded.hasIds);
    const ids = db.prepare('SELECT rowid, arxiv_id FROM papers').all() as { rowid: number; arxiv_id: string }[];
    assert.deepEqual(
      ids.map((r) => loaded.idOf(r.rowid)),
      ids.map((r) => r.arxiv_id),
    );
    // Appending after a load extends the loaded lists.
    loaded.addAll([{ rowid: 501, title: 'Zymurgy', abstract: 'cells zymurgy', authors: '' }]);
    assert.equal(loaded.search(['zymurgy'], DEFAULT_COLUMN_WEIGHTS, 5, true)[0].rowid, 501);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the app (search_docs layout) builds, persists and reloads the memory index', async () => {
  const db = await freshDatabase('sqlite');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bm25-app-'));
  try {
    await createPaperStore(db).upsertMany(
      DOCS.slice(0, 300).map((d, i) => buildPaper({ id: `2501.${String(10000 + i)}`, title: d.title, abstract: d.text, authors: ['Ada Lovelace'] })),
    );
    const file = path.join(dir, 'models', 'lexical.bm25');
    const plain = new SqliteLexicalIndex(db.sqlite!, DEFAULT_COLUMN_WEIGHTS, undefined, { layout: 'app' });
    const fast = new SqliteLexicalIndex(db.sqlite!, DEFAULT_COLUMN_WEIGHTS, undefined, { layout: 'app' });
    await startMemoryIndex(fast, file, 1);
    assert.equal(fast.memoryIndex?.rows, 300);
    assert.equal((await MemoryBm25Index.readHeader(file))?.rows, 300);
    for (const q of [...QUERIES.slice(0, 40), DOCS[3].title, '2501.10007']) {
      assert.deepEqual(
        fast.searchSync(q, { limit: 10 }).map((h) => h.id),
        plain.searchSync(q, { limit: 10 }).map((h) => h.id),
        q,
      );
    }
    const again = new SqliteLexicalIndex(db.sqlite!, DEFAULT_COLUMN_WEIGHTS, undefined, { layout: 'app' });
    await startMemoryIndex(again, file, 1);
    assert.equal(again.memoryIndex?.rows, 300);
    assert.deepEqual(again.searchSync(QUERIES[0], { limit: 10 }), fast.searchSync(QUERIES[0], { limit: 10 }));
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a memory index file of another format version, or one cut short, is not read: the index is rebuilt and saved again', async () => {
  const db = await freshDatabase('sqlite');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bm25-format-'));
  try {
    await createPaperStore(db).upsertMany(
      DOCS.slice(0, 200).map((d, i) => buildPaper({ id: `2501.${String(10000 + i)}`, title: d.title, abstract: d.text, authors: ['Ada Lovelace'] })),
    );
    const file = path.join(dir, 'lexical.bm25');
    const header = () => {
      const buf = fs.readFileSync(file);
      return JSON.parse(buf.subarray(8, 8 + buf.readUInt32LE(4)).toString()) as { format: number; key: string };
    };
    const started = async () => {
      const lex = new SqliteLexicalIndex(db.sqlite!, DEFAULT_COLUMN_WEIGHTS, undefined, { layout: 'app' });
      await startMemoryIndex(lex, file, 1);
      assert.equal(lex.memoryIndex?.rows, 200);
      return lex;
    };
    const first = await started();
    const want = QUERIES.slice(0, 10).map((q) => first.searchSync(q, { limit: 10 }));
    assert.equal(header().format, INDEX_FILE_FORMAT);
    const { key } = header();

    // The same file saying it is of the format before: neither its header nor the file is read.
    const buf = fs.readFileSync(file);
    const head = buf.subarray(8, 8 + buf.readUInt32LE(4));
    head.set(Buffer.from(head.toString().replace(`"format":${INDEX_FILE_FORMAT}`, `"format":${INDEX_FILE_FORMAT - 1}`)));
    fs.writeFileSync(file, buf);
    assert.equal(header().format, INDEX_FILE_FORMAT - 1);
    assert.equal(await MemoryBm25Index.readHeader(file), null);
    assert.equal(await MemoryBm25Index.load(file, key), null);
    // Starting again rebuilds the index, which answers as before, and saves it in the current format.
    const rebuilt = await started();
    assert.equal(header().format, INDEX_FILE_FORMAT);
    assert.deepEqual(
      QUERIES.slice(0, 10).map((q) => rebuilt.searchSync(q, { limit: 10 })),
      want,
    );

    // A file cut short (a crash while copying it, a full disk): not read, rebuilt, whole again.
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, fs.statSync(file).size - 100));
    assert.equal(await MemoryBm25Index.load(file, key), null);
    const again = await started();
    assert.deepEqual(
      QUERIES.slice(0, 10).map((q) => again.searchSync(q, { limit: 10 })),
      want,
    );
    assert.notEqual(await MemoryBm25Index.load(file, key), null);
    // Not an index file at all.
    fs.writeFileSync(file, 'PBBM not a header');
    assert.equal(await MemoryBm25Index.readHeader(file), null);
    assert.equal(await MemoryBm25Index.load(file, key), null);
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

nodeTest('paper ids by rowid: gaps, non-ASCII ids, save and load, appends, and none once a row comes without one', async () => {
  const index = new MemoryBm25Index();
  const doc = (rowid: number, id?: string) => ({ rowid, id, title: `title ${rowid}`, abstract: 'some words', authors: '' });
  index.addAll([doc(2, '2501.00002'), doc(3, 'hep-th/9901001'), doc(700, 'ünï-7')]);
  index.addAll([doc(701, '2501.00701')]);
  const expect = (i: MemoryBm25Index) =>
    assert.deepEqual(
      [1, 2, 3, 4, 699, 700, 701, 702].map((r) => i.idOf(r)),
      [undefined, '2501.00002', 'hep-th/9901001', undefined, undefined, 'ünï-7', '2501.00701', undefined],
    );
  expect(index);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bm25-ids-'));
  try {
    await index.save(path.join(dir, 'i'), 'k');
    const loaded = (await MemoryBm25Index.load(path.join(dir, 'i'), 'k'))!;
    expect(loaded);
    // Appends after a load grow the loaded arrays (one id longer than everything before it).
    const long = 'x'.repeat(5000);
    loaded.addAll([doc(5000, long)]);
    assert.equal(loaded.idOf(5000), long);
    assert.equal(loaded.idOf(4999), undefined);
    expect(loaded);
    // A row without an id: the index keeps none, and its users look them up elsewhere.
    loaded.addAll([doc(5001)]);
    assert.equal(loaded.hasIds, false);
    assert.equal(loaded.idOf(2), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    index.stemmer.close();
  }
});

nodeTest('exact titles by two hashes: a collision of the first is told apart, appends and reloads keep them', async () => {
  // Two different title keys with the same first (FNV-1a) hash: the table alone finds both rows.
  const seen = new Map<number, string>();
  let pair: [string, string] | null = null;
  for (let i = 0; !pair; i++) {
    const key = `paper ${i}`;
    const other = seen.get(hashKey(key));
    if (other !== undefined) pair = [other, key];
    else seen.set(hashKey(key), key);
  }
  const [a, b] = pair;
  const doc = (rowid: number, title: string) => ({ rowid, id: `id-${rowid}`, title, abstract: 'words', authors: '' });
  const index = new MemoryBm25Index();
  index.addAll([doc(1, a), doc(2, 'Something else'), doc(3, b.toUpperCase()), doc(9, `${a}!`)]);
  const expect = (i: MemoryBm25Index) => {
    assert.deepEqual(i.rowsWithTitleKey(titleKey(a)), [1, 3, 9]);
    assert.deepEqual(i.rowsWithTitle(titleKey(a)), [1, 9]);
    assert.deepEqual(i.rowsWithTitle(titleKey(b)), [3]);
    assert.deepEqual(i.rowsWithTitle(titleKey('Something else')), [2]);
    assert.deepEqual(i.rowsWithTitle(titleKey('nothing like it')), []);
  };
  expect(index);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bm25-titles-'));
  try {
    const file = path.join(dir, 'i');
    await index.save(file, 'k');
    const loaded = (await MemoryBm25Index.load(file, 'k'))!;
    expect(loaded);
    // Appends after a load grow the loaded arrays.
    loaded.addAll([doc(3000, b)]);
    assert.deepEqual(loaded.rowsWithTitle(titleKey(b)), [3, 3000]);
    loaded.stemmer.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    index.stemmer.close();
  }
  // Through SqliteLexicalIndex: the typed title pins its paper, not the one whose title shares the first hash.
  const db = database([
    { _id: 'x1', title: a, text: 'first abstract about graphs' },
    { _id: 'x2', title: b, text: 'second abstract about graphs' },
  ]);
  const fast = await accelerated(db);
  assert.deepEqual(
    fast
      .searchSync(b, { limit: 5 })
      .filter((h) => h.score >= 1e6)
      .map((h) => h.id),
    ['x2'],
  );
  assert.deepEqual(
    new SqliteLexicalIndex(db)
      .searchSync(b, { limit: 5 })
      .filter((h) => h.score >= 1e6)
      .map((h) => h.id),
    ['x2'],
  );
  fast.memoryIndex!.stemmer.close();
  db.close();
});

nodeTest('the stemmer answers as FTS5 porter and leaves its FTS5 table empty after each round trip', () => {
  const stemmer = new Fts5Stemmer();
  try {
    const words = Array.from({ length: 5000 }, (_, i) => `generalization${i % 7 ? 's' : ''}x${i}`);
    stemmer.stemAll(words);
    stemmer.stemAll(['generalization', 'networks', 'learning', '31510']);
    // Porter's stems (its over-stemming of "generalization" included); digits pass through.
    assert.deepEqual(
      ['generalization', 'networks', 'learning', '31510'].map((w) => stemmer.stem(w)),
      ['gener', 'network', 'learn', '31510'],
    );
    // Segments left behind (as DELETE FROM leaves them) were walked by every later fts5vocab read.
    // In FTS5's %_data table, id 1 is the averages record and id 10 the structure record; segment
    // pages have higher ids.
    const db = (stemmer as unknown as { db: Database.Database }).db;
    assert.equal(db.prepare('SELECT count(*) FROM s_data WHERE id > 10').pluck().get(), 0, 'no segment pages left');
  } finally {
    stemmer.close();
  }
});

nodeTest('pruned search returns exactly the top k of scoring every row (long lists, ties, appends, reload)', async () => {
  // Few distinct words, so lists run over many skip blocks and scores tie often.
  const rand = seededRandom(7);
  const vocab = Array.from({ length: 40 }, (_, i) => `w${i}`);
  // Zipf-like: low word numbers are common.
  const word = () => vocab[Math.floor(vocab.length * rand() ** 2.5)];
  const text = (n: number) => Array.from({ length: n }, word).join(' ');
  // Rowid gaps of 1 to 3 and now and then of 1000 (two-byte varints).
  let rowid = 0;
  const docs = Array.from({ length: 3000 }, (_, i) => ({
    rowid: (rowid += 1 + (i % 3) + (i % 500 === 0 ? 1000 : 0)),
    title: text(1 + Math.floor(rand() * 6)),
    abstract: text(Math.floor(rand() * 40)),
    authors: i % 4 ? '' : text(2),
  }));
  const built = new MemoryBm25Index();
  // Block maxima from the first 1554 rows (trim), kept up to date by the appends after them.
  for (let at = 0; at < docs.length; at += 777) {
    built.addAll(docs.slice(at, at + 777));
    if (at === 777) built.trim();
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bm25-prune-'));
  try {
    await built.save(path.join(dir, 'i'), 'k');
    const loaded = (await MemoryBm25Index.load(path.join(dir, 'i'), 'k'))!;
    const avgdl = built.tokens / built.rows;
    // Per row: occurrences of each word per column, and the row's length.
    const counts = docs.map((d) => {
      const m = new Map<string, number[]>();
      const cols = [d.title, d.abstract, d.authors].map((c) => (c ? c.split(' ') : []));
      cols.forEach((c, k) => c.forEach((x) => (m.get(x) ?? m.set(x, [0, 0, 0]).get(x)!)[k]++));
      return { rowid: d.rowid, m, D: cols[0].length + cols[1].length + cols[2].length };
    });
    const df = new Map<string, number>();
    for (const c of counts) for (const x of c.m.keys()) df.set(x, (df.get(x) ?? 0) + 1);
    const exhaustive = (terms: string[], limit: number, w = DEFAULT_COLUMN_WEIGHTS) => {
      // Each row's score adds the terms up in the order search uses: highest idf first, then query order.
      const lists = terms
        .filter((t) => df.has(t))
        .map((t) => {
          const n = df.get(t)!;
          const idf = Math.log((docs.length - n + 0.5) / (n + 0.5));
          return { t, idf: idf <= 0 ? 1e-6 : idf };
        })
        .sort((a, b) => b.idf - a.idf);
      const hits = [];
      for (const { rowid, m, D } of counts) {
        let score = 0;
        let any = false;
        for (const { t, idf } of lists) {
          const c = m.get(t);
          if (!c) continue;
          any = true;
          const f = w.title * c[0] + w.abstract * c[1] + w.authors * c[2];
          score += idf * ((f * (1.2 + 1.0)) / (f + 1.2 * (1 - 0.75 + (0.75 * D) / avgdl)));
        }
        if (any) hits.push({ rowid, score });
      }
      return hits.sort((a, b) => b.score - a.score || a.rowid - b.rowid).slice(0, limit);
    };
    let checked = 0;
    for (let q = 0; q < 60; q++) {
      const terms = Array.from({ length: 1 + Math.floor(rand() * 12) }, word);
      if (q % 7 === 0) terms.push(terms[0], 'nosuchword');
      const limit = [1, 3, 10, 100, 5000][q % 5];
      const want = exhaustive(terms, limit);
      for (const index of [built, loaded]) assert.deepEqual(index.search(terms, DEFAULT_COLUMN_WEIGHTS, limit, true), want, `${terms.join(' ')} top ${limit}`);
      // Split in two parts of the rows on two threads (searchSplit), and the same parts one after
      // the other, the second pruning with the k-th best the first published: merged, the same.
      assert.deepEqual((await built.searchSplit([{ terms, exact: true }], DEFAULT_COLUMN_WEIGHTS, limit))[0], want, `${terms.join(' ')} top ${limit} split`);
      const lists = loaded.queryLists(terms, DEFAULT_COLUMN_WEIGHTS, true);
      const mid = 2 * PART_ALIGN;
      for (const order of [
        [0, 1],
        [1, 0],
      ]) {
        const theta = new Int32Array(new SharedArrayBuffer(8));
        const parts = [
          { lo: 0, hi: mid, theta, slot: 0 },
          { lo: mid, hi: 0x7fffffff, theta, slot: 1 },
        ];
        const hits = order.flatMap((p) => topRows([...lists], loaded.len, loaded.tokens / loaded.rows, DEFAULT_COLUMN_WEIGHTS, limit, newScratch(), parts[p]));
        assert.deepEqual(hits.sort((a, b) => b.score - a.score || a.rowid - b.rowid).slice(0, limit), want, `${terms.join(' ')} top ${limit} parts ${order}`);
      }
      checked += want.length;
      // Other column weights than the block maxima are for: the plain bounds.
      const other = { title: 1, abstract: 2, authors: 3 };
      if (q % 3 === 0) assert.deepEqual(loaded.search(terms, other, limit, true), exhaustive(terms, limit, other), `${terms.join(' ')} other weights`);
    }
    assert.ok(checked > 10_000);
    // The title lookup (a hash table) finds every row with the title, in both.
    const title = docs[1234].title;
    const want = docs.filter((d) => titleKey(d.title) === titleKey(title)).map((d) => d.rowid);
    for (const index of [built, loaded])
      assert.deepEqual(
        index.rowsWithTitleKey(titleKey(title)).filter((r) => want.includes(r)),
        want,
      );
    loaded.stemmer.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await built.closeWorker();
    built.stemmer.close();
  }
});

test('searchSplit searches half of the rows on a worker thread and answers as search on one thread does', async () => {
  // 6,000 rows, so that the worker has a part (parts start at multiples of 4,096 rows); each paper
  // three times, so that equal scores fall in both parts.
  const db = database([0, 1, 2].flatMap((k) => DOCS.map((d) => ({ ...d, _id: `${d._id}-${k}` }))));
  const fast = await accelerated(db);
  const index = fast.memoryIndex!;
  try {
    let compared = 0;
    for (const q of QUERIES) {
      const terms = parseQuery(q)
        .terms.map((t) => unicode61Tokens(t)[0])
        .filter(Boolean);
      if (!terms.length) continue;
      // Two searches in one split (as the served path asks for the stemmed and the exact one).
      const searches = [
        { terms, exact: false },
        { terms: terms.slice(0, 2), exact: true },
      ];
      const [stemmed, exact] = await index.searchSplit(searches, DEFAULT_COLUMN_WEIGHTS, 25);
      assert.deepEqual(stemmed, index.search(terms, DEFAULT_COLUMN_WEIGHTS, 25, false), q);
      assert.deepEqual(exact, index.search(terms.slice(0, 2), DEFAULT_COLUMN_WEIGHTS, 25, true), q);
      // The served (async) path gives what searchSync gives.
      assert.deepEqual(await fast.search(q, { limit: 25 }), fast.searchSync(q, { limit: 25 }), q);
      compared += stemmed.length + exact.length;
    }
    assert.ok(compared > 1000);
    assert.ok(index.threaded, 'the upper half ran on the worker thread');
    // Rows appended after the worker started are found there too (their lists are read in place).
    db.prepare('INSERT INTO papers (arxiv_id, title, abstract, authors) VALUES (?, ?, ?, ?)').run(
      'new-1',
      'Zymurgical xylophones',
      'zymurgical xylophones of note',
      '',
    );
    const hits = await fast.search('zymurgical', { limit: 5 });
    assert.equal(hits[0]?.id, 'new-1');
    // A worker that is gone: the same answers, from this thread.
    await index.closeWorker();
    assert.equal(index.threaded, false);
    assert.deepEqual(await fast.search(QUERIES[3], { limit: 25 }), fast.searchSync(QUERIES[3], { limit: 25 }));
  } finally {
    await index.closeWorker();
    index.stemmer.close();
  }
});

nodeTest('searchSplit reads long lists in shared memory, also after they grow', async () => {
  // "common" is in every row: its lists pass SHARED_MIN_BYTES (64 KiB) at about 32k rows.
  const doc = (i: number) => ({
    rowid: i + 1,
    title: `common topic${i % 97}`,
    abstract: `common words ${i % 13 === 0 ? 'rare' : 'plain'} body${i % 1000}`,
    authors: '',
  });
  const index = new MemoryBm25Index();
  try {
    index.addAll(Array.from({ length: 50_000 }, (_, i) => doc(i)));
    index.trim();
    const w = DEFAULT_COLUMN_WEIGHTS;
    const check = async (terms: string[]) => {
      const [stemmed, exact] = await index.searchSplit(
        [
          { terms, exact: false },
          { terms, exact: true },
        ],
        w,
        50,
      );
      assert.deepEqual(stemmed, index.search(terms, w, 50, false), terms.join(' '));
      assert.deepEqual(exact, index.search(terms, w, 50, true), terms.join(' '));
      return exact;
    };
    const lists = index.queryLists(['common'], w, true);
    assert.ok(lists[0].buf.buffer instanceof SharedArrayBuffer && lists[0].end >= 64 * 1024, 'a long list is in shared memory');
    await check(['common', 'rare', 'topic5']);
    assert.ok(index.threaded);
    // Appends grow the long lists into new shared buffers; the worker reads those.
    index.addAll(Array.from({ length: 5000 }, (_, i) => ({ ...doc(50_000 + i), title: `common fresh${i}` })));
    assert.ok(index.queryLists(['common'], w, true)[0].buf.buffer instanceof SharedArrayBuffer);
    const hits = await check(['common', 'fresh4321']);
    assert.equal(hits[0].rowid, 50_000 + 4321 + 1);
  } finally {
    await index.closeWorker();
    index.stemmer.close();
  }
});
