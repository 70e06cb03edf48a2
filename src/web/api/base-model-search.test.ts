import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildTestApp } from '../../testing/test-app.js';
import { createPaperStore } from '../../papers/store.js';
import { buildPaper } from '../../papers/paper.js';
import { freshDatabase, type TestDatabase } from '../../testing/databases.js';
import { createSearchService } from '../../search/service.js';
import { openEmbedderSource } from '../../search/embedders/embedder.js';
import { BASE_MODEL_FILE } from '../../search/corpus-model/base.js';
import { embedMissing } from '../../search/embed-train.js';

// A new instance has no model of its own (nothing in DATA_DIR/models): it searches by meaning with
// the shipped base model from its first papers, and by words only with EMBEDDER_BASE=off.
describe('an instance without a model of its own', () => {
  let db: TestDatabase;
  let dataDir: string;
  before(async () => {
    db = await freshDatabase('sqlite');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-base-'));
    await createPaperStore(db).upsertMany([
      buildPaper({
        id: '2601.00001',
        title: 'Compressing language models by distillation',
        abstract: 'A large teacher network supervises a compact student network, which keeps most of its accuracy at a tenth of the size.',
      }),
      buildPaper({ id: '2601.00002', title: 'Graph neural networks for molecules', abstract: 'Message passing over atoms predicts chemical properties.' }),
      buildPaper({ id: '2601.00003', title: 'Speech recognition in noisy rooms', abstract: 'Acoustic models robust to reverberation and background noise.' }),
      buildPaper({ id: '2601.00004', title: 'Larger is not always better', abstract: 'A bigger dataset learns faster than a smaller one in our experiments.' }),
    ]);
  });
  after(async () => {
    await db.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('searches hybrid with the shipped base model from the start, and finds a paper no word of the query is in', async () => {
    const source = await openEmbedderSource('corpus', dataDir, 'default', db, BASE_MODEL_FILE);
    const embedder = source.latest();
    assert.ok(embedder, 'a model before any training');
    assert.match(embedder.version, /^base-/);
    await embedMissing(db, embedder, { progress: false });
    const papers = createPaperStore(db);
    const { app } = await buildTestApp({ database: db, papers, search: createSearchService({ database: db, papers, embedder, readyCheckMs: 0 }) });
    try {
      const r = await app.inject('/api/papers/search?q=kd%20for%20llms&limit=4');
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['x-search-mode'], 'hybrid');
      assert.equal(r.json()[0].paper.id, '2601.00001', JSON.stringify(r.json().map((x: { paper: { id: string } }) => x.paper.id)));
    } finally {
      await app.close();
    }
  });

  test('with EMBEDDER_BASE=off it has no model until one is trained: search is by words', async () => {
    const source = await openEmbedderSource('corpus', dataDir, 'default', db, null);
    assert.equal(source.latest(), null);
  });
});
