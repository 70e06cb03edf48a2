import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase } from '../../testing/databases.js';
import { buildPaper } from '../../papers/paper.js';
import { createPaperStore } from '../../papers/store.js';
import { trainCorpusModel } from '../corpus-model/training.js';
import { corpusModelPath, openEmbedderSource } from './embedder.js';
import { embedMissing } from '../embed-train.js';
import { bytesToVector, countMissingVectors } from '../vectors/vector-store.js';
import { rng } from '../vectors/vector-math.js';

test('embed on threads stores the vectors the model computes, and refuses a model file that changed', async () => {
  const db = await freshDatabase('sqlite');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-embed-'));
  try {
    const r = rng(3);
    const words = ['graph', 'node', 'speech', 'audio', 'protein', 'folding', 'residue', 'edge', 'waveform', 'vertex'];
    const pick = (k: number) => Array.from({ length: k }, () => words[Math.floor(r() * words.length)]).join(' ');
    const papers = Array.from({ length: 2500 }, (_, i) =>
      buildPaper({
        id: `2501.${String(i).padStart(5, '0')}`,
        title: `${pick(4)} model`,
        abstract: `${pick(12)} results. ${pick(10)} analysis.`,
        authors: ['A. Author'],
      }),
    );
    await createPaperStore(db).upsertMany(papers);
    const file = corpusModelPath(dataDir);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const opts = { dim: 16, batchSize: 16, minDf: 1, members: 1 };
    const { model } = trainCorpusModel(papers.slice(0, 200), opts);
    await model.save(file);
    const embedder = (await openEmbedderSource('corpus', dataDir)).latest()!;
    assert.equal(embedder.file, file);

    // Another model in the file than the one loaded: nothing is embedded with a mix of the two.
    await trainCorpusModel(papers.slice(0, 300), opts).model.save(file);
    await assert.rejects(embedMissing(db, embedder, { progress: false, threads: 2 }), /now holds version .*run embed again/);
    assert.equal(await countMissingVectors(db, embedder), 2500);

    await model.save(file);
    assert.equal(await embedMissing(db, embedder, { progress: false, threads: 2 }), 2500);
    assert.equal(await countMissingVectors(db, embedder), 0);
    const rows = await db.db.selectFrom('paper_vectors').select(['paper_id', 'vector', 'model_version']).orderBy('paper_id').execute();
    assert.equal(rows.length, 2500);
    const saved = (await openEmbedderSource('corpus', dataDir)).latest()!;
    assert.equal(saved.version, embedder.version);
    for (const i of [0, 1, 999, 1000, 1999, 2000, 2499]) {
      const want = (await saved.embedPapers([papers[i]]))[0];
      assert.equal(rows[i].paper_id, papers[i].id);
      assert.deepEqual(bytesToVector(rows[i].vector, 16), want, papers[i].id);
    }
  } finally {
    await db.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
