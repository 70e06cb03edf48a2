import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { buildPaper } from '../papers/paper.js';
import { createPaperStore, type PaperStore } from '../papers/store.js';
import { trainCorpusModel } from './corpus-model/training.js';
import { corpusEmbedder } from './embedders/embedder.js';
import { DEFAULT_FUSION } from './fusion.js';
import { embedMissing } from './embed-train.js';
import { createLexicalIndex } from './lexical/index.js';
import { createSearchService } from './service.js';
import { countMissingVectors, putVectors } from './vectors/vector-store.js';
import { addSubmission } from '../testing/feed-fixtures.js';
import { waitFor } from '../testing/wait.js';

const PAPERS = [
  buildPaper({
    id: '2501.00001',
    title: 'Graph neural networks for molecules',
    abstract: 'Message passing predicts molecular properties of small compounds.',
    authors: ['Ada Lovelace'],
  }),
  buildPaper({
    id: '2501.00002',
    title: 'A survey of networks',
    abstract: 'Neural networks, graph methods and molecules of all kinds are reviewed.',
    authors: ['Alan Turing'],
    categories: ['cs.AI'],
  }),
  buildPaper({
    id: '2501.00003',
    title: 'Sharpness and generalization',
    abstract: 'Flat minima generalize better in deep networks trained with noise.',
    authors: ['Grace Hopper'],
    publishedAt: '2025-03-01T00:00:00.000Z',
  }),
  buildPaper({
    id: '2501.00004',
    title: 'Attention is all you need',
    abstract: 'Transformers replace recurrence with attention for translation.',
    authors: ['Ashish Vaswani'],
  }),
  buildPaper({
    id: '2501.00005',
    title: 'Text generation with diffusion',
    abstract: 'We generate text by denoising token sequences.',
    authors: ['Noam Shazeer'],
  }),
];

/** A small model trained on PAPERS; models of different `dim` have different versions. */
function modelOfPapers(dim: number) {
  return trainCorpusModel(
    PAPERS.flatMap((p) => Array.from({ length: 20 }, () => ({ title: p.title, abstract: p.abstract }))),
    { dim, batchSize: 16, minDf: 1 },
  ).model;
}

const HOSTILE = ['"NEAR(', 'NEAR(a b, 2)', '-foo *bar* title:baz', '((((', "'; DROP TABLE papers; --", 'x'.repeat(10_000), '"unterminated', '&|!<->:*', ''];

for (const dialect of DIALECTS) {
  describe(`search contract [${dialect}]`, () => {
    let db: TestDatabase;
    let store: PaperStore;
    // A fresh database with PAPERS for each test, so that any test runs alone or in any order.
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      store = createPaperStore(db);
      await store.upsertMany(PAPERS);
    });
    afterEach(async () => db.destroy());

    test('the lexical index follows inserts and updates in the same transaction', async () => {
      const lex = createLexicalIndex(db);
      assert.equal((await lex.search('molecules', { limit: 5 }))[0].id, '2501.00001');
      await store.upsertMany([buildPaper({ ...PAPERS[3], version: 2, title: 'Attention for protein folding' })]);
      assert.deepEqual(
        (await lex.search('protein', { limit: 5 })).map((h) => h.id),
        ['2501.00004'],
      );
      assert.deepEqual(await lex.search('translation recurrence nonexistentword', { limit: 5 }).then((h) => h.map((x) => x.id)), ['2501.00004']);
    });

    test('hostile input never throws; a quoted phrase is required', async () => {
      const lex = createLexicalIndex(db);
      for (const q of HOSTILE) await assert.doesNotReject(lex.search(q, { limit: 5 }), q.slice(0, 20));
      const phrase = (await lex.search('"neural networks"', { limit: 5 })).map((h) => h.id);
      assert.deepEqual(phrase.sort(), ['2501.00001', '2501.00002']);
      // (On PostgreSQL a phrase may span the end of the title and the start of the abstract: tsvector concatenation.)
      assert.deepEqual(await lex.search('"neural graph"', { limit: 5 }), []);
    });

    test('an arXiv id or the exact title comes first; title words outrank abstract words', async () => {
      const lex = createLexicalIndex(db);
      assert.equal((await lex.search('2501.00003v2', { limit: 5 }))[0].id, '2501.00003');
      assert.equal((await lex.search('A survey of networks', { limit: 5 }))[0].id, '2501.00002');
      assert.equal((await lex.search('generalization', { limit: 5 }))[0].id, '2501.00003');
    });

    test('search is by words alone until nearly every paper has its vector, then by meaning too', async () => {
      const embedder = corpusEmbedder(modelOfPapers(8));
      const papers = createPaperStore(db);
      // 2 of the 5 papers embedded: a vector side over those two would rank them above the others.
      await putVectors(
        db,
        embedder,
        (await embedder.embedPapers(PAPERS.slice(0, 2))).map((vector, i) => ({ id: PAPERS[i].id, vector })),
      );
      const search = createSearchService({ database: db, papers, embedder, readyCheckMs: 0 });
      assert.equal((await search.search({ q: 'molecules', limit: 5 })).mode, 'lexical');
      assert.equal(await embedMissing(db, embedder, { progress: false }), 3);
      // The next searches look again (in the background), and once that check is done they use the vectors.
      assert.equal((await search.search({ q: 'molecules', limit: 5 })).mode, 'lexical', 'the look is in the background');
      await waitFor(async () => (await search.search({ q: 'molecules', limit: 5 })).mode === 'hybrid', { what: 'search to use the vectors' });
    });

    test('embed backfills vectors; search is hybrid, filters apply, similar papers come from stored vectors', async () => {
      const embedder = corpusEmbedder(modelOfPapers(16));
      const papers = createPaperStore(db);
      const lexicalOnly = createSearchService({ database: db, papers, embedder: null });
      assert.equal((await lexicalOnly.search({ q: 'molecules', limit: 5 })).mode, 'lexical');
      assert.equal(await countMissingVectors(db, embedder), PAPERS.length);
      assert.equal(await embedMissing(db, embedder, { progress: false }), PAPERS.length);
      assert.equal(await embedMissing(db, embedder, { progress: false }), 0);
      const search = createSearchService({ database: db, papers, embedder });
      const r = await search.search({ q: 'molecules', limit: 5 });
      assert.equal(r.mode, 'hybrid');
      assert.equal(r.papers[0].paper.id, '2501.00001');
      // The soft word match re-orders the top of the fused list with the papers' text from the store:
      // a matcher that prefers the survey puts it first at a high enough weight.
      const seen: string[] = [];
      const picky = {
        ...embedder,
        softMatch(query: string, docs: readonly { title: string; abstract: string }[]) {
          seen.push(query, ...docs.map((d) => d.title));
          return docs.map((d) => (d.title === 'A survey of networks' ? 1 : 0));
        },
      };
      const reordered = await createSearchService({ database: db, papers, embedder: picky, fusion: { ...DEFAULT_FUSION, softMatch: 0.9 } }).search({
        q: 'molecules',
        limit: 5,
      });
      assert.equal(reordered.papers[0].paper.id, '2501.00002');
      assert.equal(seen[0], 'molecules');
      assert.ok(seen.includes('Graph neural networks for molecules'), seen.join(' | '));
      const filtered = await search.search({ q: 'networks', limit: 5, category: 'cs.AI' });
      assert.deepEqual(
        filtered.papers.map((x) => x.paper.id),
        ['2501.00002'],
      );
      const dated = await search.search({ q: 'networks', limit: 5, from: '2025-01-01' });
      assert.deepEqual(
        dated.papers.map((x) => x.paper.id),
        ['2501.00003'],
      );
      await addSubmission(db, { paperId: '2501.00002', feedDay: '2025-01-03', upvotes: 4 });
      await addSubmission(db, { paperId: '2501.00003', feedDay: '2025-03-02', upvotes: 9 });
      const featured = await search.search({ q: 'networks', limit: 5, featured: true, sort: 'upvotes' });
      assert.deepEqual(
        featured.papers.map((x) => [x.paper.id, x.upvotes]),
        [
          ['2501.00003', 9],
          ['2501.00002', 4],
        ],
      );
      const similar = await search.similar('2501.00001', 3);
      assert.equal(similar.length, 3);
      assert.ok(!similar.some((x) => x.paper.id === '2501.00001'));
    });

    test("the fusion divides bm25 by the query's bound once the memory index answers, and min-max normalises the fallback's scores before", async () => {
      const embedder = corpusEmbedder(modelOfPapers(16));
      const papers = createPaperStore(db);
      await embedMissing(db, embedder, { progress: false });
      const order = async (fusion: Partial<typeof DEFAULT_FUSION>, warm: boolean) => {
        const search = createSearchService({
          database: db,
          papers,
          embedder,
          fusion: { ...DEFAULT_FUSION, softMatch: 0, sentenceMatch: 0, feedbackDocs: 0, ...fusion },
        });
        if (warm) {
          await waitFor(
            async () => {
              await search.search({ q: 'warm up', limit: 1 });
              return search.lexicalIndexBuilding?.() === false;
            },
            { what: 'the memory index to answer' },
          );
        }
        assert.equal(search.lexicalIndexBuilding?.(), !warm);
        return (await search.search({ q: 'molecules networks', limit: 5 })).papers.map((x) => x.paper.id);
      };
      const byWords = await order({ lexical: 1, boundLexical: undefined }, true);
      const byVectors = await order({ lexical: 0, boundLexical: undefined }, true);
      assert.notDeepEqual(byWords, byVectors, 'the two sides order these papers differently');
      // Weight 1 for min-max normalised lexical scores, 0 for bounded ones: which one the service
      // uses decides the order. The memory index has the bound on both dialects; of the fallbacks,
      // only FTS5 (SQLite) has one.
      assert.deepEqual(await order({ lexical: 1, boundLexical: 0 }, true), byVectors);
      assert.deepEqual(await order({ lexical: 1, boundLexical: 0 }, false), dialect === 'sqlite' ? byVectors : byWords);
    });
  });
}
