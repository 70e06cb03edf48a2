import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../../testing/databases.js';
import { fixtureSourceRecords } from '../../testing/fixtures.js';
import { buildPaper } from '../../papers/paper.js';
import { createPaperStore } from '../../papers/store.js';
import { CorpusModel } from '../corpus-model/model.js';
import { SHIPPED_MODEL, corpusEmbedder } from '../embedders/embedder.js';
import { embedMissing } from '../embed-train.js';
import { createSearchService } from '../service.js';
import { VectorCache } from '../vectors/vector-store.js';
import { startSearchThreads, type SearchThreads } from './pool.js';
import { waitFor } from '../../testing/wait.js';

// The search threads must answer exactly what the main thread would: the same ids, the same scores,
// in the same order, for the exact scan and the IVF lists alike; and the work must really leave the
// main thread.

const QUERIES = [
  'graph neural networks',
  'models that generalize',
  'a smaller model learns from a bigger one',
  'quantum error correction',
  'reinforcement learning from human feedback',
  'image segmentation with transformers',
  'protein structure',
  'xyzzy nothing matches this',
];

describe('search threads', () => {
  let db: TestDatabase;
  let threads: SearchThreads;
  let model: CorpusModel;
  before(async () => {
    db = await freshDatabase('sqlite');
    const records = fixtureSourceRecords();
    const store = createPaperStore(db);
    await store.upsertMany(
      records.map((r, i) =>
        buildPaper({ id: `2601.${String(i + 1).padStart(5, '0')}`, title: r.title, abstract: r.abstract, authors: r.authors, categories: r.categories }),
      ),
    );
    model = await CorpusModel.load(SHIPPED_MODEL);
    await embedMissing(db, corpusEmbedder(model), { progress: false });
    threads = startSearchThreads(2);
  });
  after(async () => {
    await threads.close();
    await db.destroy();
  });

  test('a search on the threads ranks as one on the main thread: same ids, scores and order; similar papers too', async () => {
    const embedder = corpusEmbedder(model);
    const papers = createPaperStore(db);
    const here = createSearchService({ database: db, papers, embedder, readyCheckMs: 0 });
    const there = createSearchService({ database: db, papers, embedder, readyCheckMs: 0, threads });
    // Both lexical indexes loaded, so that neither answers from FTS5 while the other has its memory index.
    for (const s of [here, there]) s.startLexicalIndex?.();
    await waitFor(() => !here.lexicalIndexBuilding?.() && !there.lexicalIndexBuilding?.(), { what: 'both lexical indexes to be ready' });
    // The model reaches both threads first: setting up the 87,176-word base model on a thread can take
    // longer than the 1 s a search waits for its query's vector on a loaded machine (that search is lexical).
    await Promise.all([threads.embed(model, 'warm up'), threads.embed(model, 'warm up')]);
    for (const q of QUERIES) {
      const [a, b] = [await here.search({ q, limit: 20 }), await there.search({ q, limit: 20 })];
      assert.equal(b.mode, a.mode, q);
      assert.deepEqual(
        b.papers.map((h) => [h.paper.id, h.score]),
        a.papers.map((h) => [h.paper.id, h.score]),
        q,
      );
    }
    assert.equal((await there.search({ q: QUERIES[0], limit: 5 })).mode, 'hybrid', 'the vectors are used');
    const [sa, sb] = [await here.similar('2601.00007', 10), await there.similar('2601.00007', 10)];
    assert.equal(sa.length, 10);
    assert.deepEqual(
      sb.map((h) => [h.paper.id, h.score]),
      sa.map((h) => [h.paper.id, h.score]),
    );
  });

  test('with threads the corpus model embeds and soft-matches no query on the main thread', async () => {
    // A model whose main-thread methods count their calls; the threads get its tables, not these methods.
    const counted = await CorpusModel.load(SHIPPED_MODEL);
    let onMain = 0;
    const embed = counted.embed.bind(counted);
    const softMatch = counted.softMatch.bind(counted);
    counted.embed = (...a) => {
      onMain++;
      return embed(...a);
    };
    counted.softMatch = (...a) => {
      onMain++;
      return softMatch(...a);
    };
    const papers = createPaperStore(db);
    const there = createSearchService({ database: db, papers, embedder: corpusEmbedder(counted), readyCheckMs: 0, threads });
    for (const q of QUERIES) await there.search({ q, limit: 10 });
    assert.equal((await there.search({ q: QUERIES[1], limit: 10 })).mode, 'hybrid');
    assert.equal(onMain, 0, 'nothing embedded on the main thread');
    const here = createSearchService({ database: db, papers, embedder: corpusEmbedder(counted), readyCheckMs: 0 });
    await here.search({ q: QUERIES[1], limit: 10 });
    assert.ok(onMain >= 2, 'without threads the same search embeds and soft-matches here (the counter works)');
  });

  test('the IVF lists on a thread answer as on the main thread; rows relabelled by a new build are not taken for others', async () => {
    const embedder = corpusEmbedder(model);
    // An exact-scan limit of 100 puts the fixtures' vectors in IVF lists (built on a thread of its own).
    const cache = new VectorCache(db, embedder, 0, null, 100);
    await cache.refresh(true);
    await cache.settled();
    await cache.refresh(true); // adopts the built index
    assert.ok(cache.approximate, 'searches use the IVF lists');
    const snapshot = cache.snapshot();
    assert.ok(snapshot.ivf);
    for (const q of QUERIES.slice(0, 4)) {
      const query = await embedder.embedQuery(q);
      const mine = cache.search(query, 15);
      const r = await threads.vectors(snapshot, { query, feedback: new Int32Array(0), feedbackWeight: 0, k: 15, candidates: Int32Array.of(0, 5, -1) });
      assert.deepEqual(
        Array.from(r.topRows, (row, i) => [cache.idAt(row, r.epoch), r.topScores[i]]),
        mine.map((h) => [h.id, h.score]),
        q,
      );
      assert.ok(Number.isNaN(r.candidateScores[2]), 'a candidate without a vector has no score');
      assert.equal(r.candidateScores[0], cache.score(query, cache.idAt(0, r.epoch)!));
    }
    assert.equal(cache.idAt(0, snapshot.epoch - 1), null, 'a row of an earlier epoch names no paper');
  });
});
