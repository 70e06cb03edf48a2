import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { parseAtomFeed } from '../papers/formats/atom.js';
import type { PaperRecord } from '../papers/paper.js';
import { snapshotToRecord } from '../papers/snapshot.js';
import { createPaperStore } from '../papers/store.js';
import { DIALECTS, type TestDatabase, freshDatabase } from '../testing/databases.js';
import { fixtureFiles, readFixture } from '../testing/fixtures.js';
import { waitFor } from '../testing/wait.js';
import { trainCorpusModel } from './corpus-model/training.js';
import { embedMissing } from './embed-train.js';
import { corpusEmbedder } from './embedders/embedder.js';
import { createLexicalIndex } from './lexical/index.js';
import { createSearchService } from './service.js';

// The lexical engine is one on both dialects (lexical/feed-index.ts): over the same papers, written
// in the same order, SQLite and PostgreSQL give the same top 10 with the same scores, lexical and
// hybrid (where the fusion divides bm25 by the query's score bound on both).

/** The fixtures' real papers (Atom pages and the Kaggle snapshot head), each id once, in file order. */
function fixturePapers(): PaperRecord[] {
  const records = fixtureFiles('arxiv-api/atom').flatMap((f) => parseAtomFeed(fs.readFileSync(f, 'utf8')).records);
  for (const line of readFixture('arxiv-metadata/kaggle-oai-snapshot-head200.jsonl').split('\n'))
    if (line.trim()) records.push(snapshotToRecord(JSON.parse(line)));
  const seen = new Set<string>();
  return records.filter((r) => !seen.has(r.id) && seen.add(r.id));
}

const QUERIES = [
  'graph neural networks',
  'large language models reasoning',
  'diffusion models for image generation',
  'reinforcement learning',
  'transformer attention',
  'federated learning privacy',
  'point cloud segmentation',
  'autonomous driving planning',
  'modular forms half integral weight',
  'supernova neutrinos',
  'discrete dipole approximation',
  'dark matter',
  'graphene magnetophonon resonance',
  'blockchain consensus',
  'vision language models prompting',
  'online learning mistake bounds',
  'generalization of deep networks',
  'robot manipulation',
  'Sparsity-certifying Graph Decompositions',
  'quokka wombat',
  'contrastive self-supervised representation',
  'Bayesian optimization',
];

test('SQLite and PostgreSQL rank the same papers with the same scores, lexical and hybrid', async () => {
  const papers = fixturePapers();
  assert.ok(papers.length > 500, `${papers.length} fixture papers`);
  const embedder = corpusEmbedder(
    trainCorpusModel(
      papers.map((p) => ({ title: p.title, abstract: p.abstract })),
      { dim: 32, batchSize: 64, epochs: 1 },
    ).model,
  );
  const answers: Record<string, { lexical: [string, number][][]; hybrid: [string, number][][]; modes: string[] }> = {};
  for (const dialect of DIALECTS) {
    const db: TestDatabase = await freshDatabase(dialect);
    try {
      const store = createPaperStore(db);
      for (let i = 0; i < papers.length; i += 100) await store.upsertMany(papers.slice(i, i + 100));
      // A change in place and a delete: their rows are killed in both.
      await store.upsertMany([{ ...papers[3], version: papers[3].version + 1, title: `${papers[3].title} revisited` }]);
      await db.db.deleteFrom('papers').where('id', '=', papers[5].id).execute();
      const lex = createLexicalIndex(db);
      await lex.search('warm up', { limit: 1 });
      await lex.settled();
      assert.equal(lex.building?.(), false, `[${dialect}] the memory index answers`);
      const lexical: [string, number][][] = [];
      for (const q of QUERIES) lexical.push((await lex.search(q, { limit: 10 })).map((h) => [h.id, h.score]));
      await embedMissing(db, embedder, { progress: false });
      const search = createSearchService({ database: db, papers: store, embedder, readyCheckMs: 0, embedTimeoutMs: 60_000 });
      await waitFor(
        async () => {
          const r = await search.search({ q: 'warm up', limit: 1 });
          return r.mode === 'hybrid' && search.lexicalIndexBuilding?.() === false;
        },
        { what: `[${dialect}] hybrid search over the memory index` },
      );
      const hybrid: [string, number][][] = [];
      const modes: string[] = [];
      for (const q of QUERIES) {
        const r = await search.search({ q, limit: 10 });
        modes.push(r.mode);
        hybrid.push(r.papers.map((h) => [h.paper.id, h.score]));
      }
      answers[dialect] = { lexical, hybrid, modes };
    } finally {
      await db.destroy();
    }
  }
  const { sqlite, postgres } = answers;
  assert.ok(sqlite.lexical.filter((a) => a.length === 10).length >= 10, 'most queries fill their top 10');
  assert.deepEqual(postgres.modes, sqlite.modes);
  assert.ok(sqlite.modes.filter((m) => m === 'hybrid').length >= QUERIES.length - 2, sqlite.modes.join(' '));
  assert.ok(!sqlite.lexical.flat().some(([id]) => id === papers[5].id), 'the deleted paper is never found');
  for (const side of ['lexical', 'hybrid'] as const) {
    QUERIES.forEach((q, i) => {
      const a = sqlite[side][i];
      const b = postgres[side][i];
      assert.deepEqual(
        b.map((h) => h[0]),
        a.map((h) => h[0]),
        `${side} top 10 of "${q}"`,
      );
      a.forEach((h, k) =>
        assert.ok(Math.abs(h[1] - b[k][1]) <= 1e-9 * Math.max(1, Math.abs(h[1])), `${side} score of ${h[0]} for "${q}": ${h[1]} / ${b[k][1]}`),
      );
    });
  }
});

// FTS5 counts a few tokens differently from unicode61Tokens (see MemoryBm25Index.ftsTokens), which
// moves the average row length, and so the scores, in the sixth digit.
const FTS5_CLOSE = 1e-5;

test('[sqlite] the memory index ranks as FTS5 does, with the same scores and score bound', async () => {
  const papers = fixturePapers();
  const db = await freshDatabase('sqlite');
  try {
    const store = createPaperStore(db);
    for (let i = 0; i < papers.length; i += 100) await store.upsertMany(papers.slice(i, i + 100));
    const fts5 = createLexicalIndex(db, { accelerate: false });
    const memory = createLexicalIndex(db);
    await memory.search('warm up', { limit: 1 });
    await memory.settled();
    assert.equal(memory.building?.(), false);
    for (const q of QUERIES) {
      const a = await fts5.search(q, { limit: 10 });
      const b = await memory.search(q, { limit: 10 });
      assert.deepEqual(
        b.map((h) => h.id),
        a.map((h) => h.id),
        `top 10 of "${q}"`,
      );
      a.forEach((h, k) =>
        assert.ok(Math.abs(h.score - b[k].score) <= FTS5_CLOSE * Math.max(1, h.score), `score of ${h.id} for "${q}": ${h.score} / ${b[k].score}`),
      );
      const [ba, bb] = [await fts5.scoreBound!(q), await memory.scoreBound!(q)];
      assert.ok(Math.abs(ba - bb) <= 1e-9 * Math.max(1, ba), `bound of "${q}": ${ba} / ${bb}`);
    }
  } finally {
    await db.destroy();
  }
});
