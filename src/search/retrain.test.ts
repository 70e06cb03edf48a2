import { describe, test, beforeEach, afterEach, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { buildPaper } from '../papers/paper.js';
import { createPaperStore } from '../papers/store.js';
import { trainCorpusModel } from './corpus-model/training.js';
import { corpusModelPath, openEmbedderSource } from './embedders/embedder.js';
import { embedMissing, trainEmbedder } from './embed-train.js';
import { claimTraining, retrainDue, retrainIfDue } from './retrain.js';
import { createJobRunner } from '../jobs/runner.js';
import { retrainJob } from '../jobs/definitions.js';
import { createSearchService } from './service.js';
import { putVectors } from './vectors/vector-store.js';
import { publishModel } from './embedders/model-store.js';
import { rng } from './vectors/vector-math.js';
import { waitFor } from '../testing/wait.js';

const TOPICS = {
  graphs: ['graph', 'node', 'edge', 'message', 'passing', 'molecule', 'vertex', 'neighbourhood'],
  speech: ['speech', 'audio', 'acoustic', 'phoneme', 'spectrogram', 'speaker', 'waveform', 'utterance'],
  proteins: ['protein', 'folding', 'residue', 'amino', 'backbone', 'structure', 'sequence', 'binding'],
};

/** Papers `from`..`from+n-1` on the given topics in turn: enough text for a model to learn in a second. */
function papers(from: number, n: number, topics: (keyof typeof TOPICS)[]) {
  const r = rng(from + 7);
  const pick = (ws: string[], k: number) => Array.from({ length: k }, () => ws[Math.floor(r() * ws.length)]).join(' ');
  return Array.from({ length: n }, (_, i) => {
    const t = TOPICS[topics[i % topics.length]];
    return buildPaper({
      id: `2501.${String(from + i).padStart(5, '0')}`,
      title: `${pick(t, 4)} model`,
      abstract: `${pick(t, 12)} results. ${pick(t, 10)} experiments. ${pick(t, 10)} analysis.`,
      authors: ['Ada Lovelace'],
    });
  });
}

const SMALL = { dim: 16, batchSize: 16, minDf: 1, members: 2 };

// Each test starts from an empty database and DATA_DIR of its own. The one expensive thing tests
// share is a first corpus model, trained once per file by whichever test asks for it first.
let firstModelDir: string | undefined;
let firstModel: Promise<string> | undefined;

/** The file of a first corpus model, trained on `papers(0, 100, ['graphs', 'speech'])` with one member; a copy goes in each test's DATA_DIR. */
function trainedModel(): Promise<string> {
  firstModel ??= (async () => {
    firstModelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-first-model-'));
    const file = path.join(firstModelDir, 'corpus.pbem');
    await trainCorpusModel(papers(0, 100, ['graphs', 'speech']), { ...SMALL, members: 1 }).model.save(file);
    return file;
  })();
  return firstModel;
}

/** Puts a copy of the first model in `dataDir`, as a first training would have; returns its path there. */
async function installFirstModel(dataDir: string): Promise<string> {
  const file = corpusModelPath(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(await trainedModel(), file);
  return file;
}

after(() => {
  if (firstModelDir) fs.rmSync(firstModelDir, { recursive: true, force: true });
});

test('retraining is due after enough growth, never with 0 percent or without a corpus model', () => {
  assert.equal(retrainDue(1000, 800, 25), true); // +200 = 25%
  assert.equal(retrainDue(999, 800, 25), false); // +199: under 25% and under 200 papers
  assert.equal(retrainDue(10_000, 7307, 25), true);
  assert.equal(retrainDue(9000, 7307, 25), false); // +23%
  assert.equal(retrainDue(300, 60, 25), true);
  assert.equal(retrainDue(200, 60, 25), false); // +140 papers: fewer than 200 new
  assert.equal(retrainDue(200, 60, 25, 100), true);
  assert.equal(retrainDue(1_000_000, 800, 0), false);
  assert.equal(retrainDue(1_000_000, null, 25), false);
});

for (const dialect of DIALECTS) {
  describe(`corpus model retraining [${dialect}]`, () => {
    let db: TestDatabase;
    let dataDir: string;
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-retrain-'));
    });
    afterEach(async () => {
      await db.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    test('one process at a time holds the training; an expired claim can be taken over', async () => {
      assert.equal(await claimTraining(db, 'other-host:1#retrain', 60_000), true);
      assert.equal(await claimTraining(db, 'other-host:2#retrain', 60_000), false);
      // A manual train-embedder meanwhile is refused with a message, and writes nothing.
      await assert.rejects(trainEmbedder(db, dataDir), /a worker is retraining the model right now/);
      assert.equal(fs.existsSync(corpusModelPath(dataDir)), false);
      // The holder on another host stopped renewing: once its lease has run out, it is free.
      await db.db
        .updateTable('embedder_training')
        .set({ lease_until: new Date(Date.now() - 1000).toISOString() })
        .execute();
      assert.equal(await claimTraining(db, 'other-host:2#retrain', 60_000), true);
      // On this host, a holder whose process is gone is passed over before its lease ends.
      await db.db
        .updateTable('embedder_training')
        .set({ claimed_by: `${os.hostname()}:2147483646#retrain` })
        .execute();
      assert.equal(await claimTraining(db, 'next', 60_000), true);
    });

    test('a grown corpus retrains the model; search keeps the old one until nearly every paper has a new vector', async () => {
      const log: string[] = [];
      const store = createPaperStore(db);
      await store.upsertMany(papers(0, 100, ['graphs', 'speech']));
      // The model of a first training, on these 100 papers about graphs and speech.
      const file = await installFirstModel(dataDir);
      const source = await openEmbedderSource('corpus', dataDir, 'default', db);
      const first = source.latest()!;
      // A process on another host: its own DATA_DIR, with a copy of the same first model.
      const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-host2-'));
      fs.mkdirSync(path.dirname(corpusModelPath(otherDir)));
      fs.copyFileSync(file, corpusModelPath(otherDir));
      const other = await openEmbedderSource('corpus', otherDir, 'default', db);
      assert.equal(other.latest()?.version, first.version);
      assert.equal(first.papers, 100);
      await embedMissing(db, first, { progress: false });
      const search = createSearchService({ database: db, papers: store, embedder: first });
      const retrain = (o: { percent?: number } = {}) =>
        retrainIfDue({
          database: db,
          dataDir,
          percent: o.percent ?? 25,
          trainedOn: () => source.latest()?.papers,
          owner: 'me',
          log: (l) => log.push(l),
          train: SMALL,
          threads: 1,
          minNewPapers: 50,
        });

      assert.deepEqual(await retrain(), { status: 'not-due', papers: 100, trainedOn: 100 });
      // 300 papers on a topic the model has never seen: its words have no vectors, so search is by words only.
      await store.upsertMany(papers(100, 300, ['proteins']));
      await embedMissing(db, first, { progress: false });
      assert.equal((await search.search({ q: 'protein folding residue', limit: 5 })).mode, 'lexical');
      assert.deepEqual(await retrain({ percent: 0 }), { status: 'not-due', papers: 400, trainedOn: 100 });

      const r = await retrain();
      assert.equal(r.status, 'trained', JSON.stringify(r));
      if (r.status !== 'trained') return;
      assert.equal(r.papers, 400);
      assert.match(r.model.version, /-400d-.*x2$/);
      assert.ok(
        log.some((l) => l.startsWith('retrain: 400 papers, 300 more')),
        log.join('\n'),
      );
      const row = await db.db.selectFrom('embedder_training').selectAll().executeTakeFirstOrThrow();
      assert.deepEqual([row.claimed_by, row.papers, row.version, row.last_error], [null, 400, r.model.version, null]);
      // Done: not due again until the corpus grows again.
      assert.equal((await retrain()).status, 'not-due');

      // Each process picks the new file up; search stays on the old model while vectors are missing.
      assert.equal(await source.poll(), true);
      assert.equal(await source.poll(), false);
      // The other host has no such file: it copies the model from the database.
      assert.equal(await other.poll(), true);
      assert.equal(other.latest()?.version, r.model.version);
      assert.deepEqual(fs.readFileSync(corpusModelPath(otherDir)), fs.readFileSync(file));
      assert.equal(await other.poll(), false);
      fs.rmSync(otherDir, { recursive: true, force: true });
      const next = source.latest()!;
      assert.equal(next.version, r.model.version);
      assert.deepEqual(await search.useEmbedder(next), { status: 'waiting', missing: 400 });
      assert.equal(search.embedder?.version, first.version);
      const during = await search.search({ q: 'graph message passing', limit: 5 });
      assert.equal(during.mode, 'hybrid');
      assert.equal(during.papers.length, 5);
      assert.equal((await search.similar('2501.00000', 3)).length, 3);

      // 390 of 400 (97.5%) are not enough to switch; the rest are.
      const some = await db.db.selectFrom('papers').select(['id', 'title', 'abstract']).orderBy('id').limit(390).execute();
      await putVectors(
        db,
        next,
        (await next.embedPapers(some)).map((vector, i) => ({ id: some[i].id, vector })),
      );
      assert.deepEqual(await search.useEmbedder(next), { status: 'waiting', missing: 10 });
      assert.equal(await embedMissing(db, next, { progress: false }), 10);
      assert.deepEqual(await search.useEmbedder(next), { status: 'switched' });
      assert.equal(search.embedder?.version, next.version);
      assert.deepEqual(await search.useEmbedder(next), { status: 'same' });
      // The new model knows the new topic's words.
      const after = await search.search({ q: 'protein folding residue', limit: 5 });
      assert.equal(after.mode, 'hybrid');
      assert.ok(
        after.papers.every((h) => Number(h.paper.id.slice(5)) >= 100),
        after.papers.map((h) => h.paper.id).join(' '),
      );
      const similar = await search.similar('2501.00150', 3);
      assert.equal(similar.length, 3);
      assert.ok(
        similar.every((h) => Number(h.paper.id.slice(5)) >= 100),
        similar.map((h) => h.paper.id).join(' '),
      );
    });

    test('the worker role waits while another process trains, and retrains once the claim is free', async () => {
      // A model trained on 100 papers is in use; the corpus has grown to 550 since.
      await installFirstModel(dataDir);
      const store = createPaperStore(db);
      await store.upsertMany(papers(0, 400, ['graphs', 'speech', 'proteins']));
      await store.upsertMany(papers(1000, 150, ['graphs', 'proteins']));
      assert.equal(await claimTraining(db, 'other-host:9#retrain', 60_000), true);
      const lines: string[] = [];
      const version = () => fs.statSync(corpusModelPath(dataDir)).mtimeMs;
      const before = version();
      const log = (l: string) => lines.push(l);
      const runner = createJobRunner(
        [
          retrainJob({
            database: db,
            dataDir,
            percent: 25,
            trainedOn: () => 100,
            owner: 'me',
            log,
            train: SMALL,
            threads: 1,
            minNewPapers: 50,
            maxPapers: 300,
            busyRetryMs: 20,
          }),
        ],
        { log },
      );
      runner.start();
      const stop = () => runner.stop();
      try {
        await waitFor(() => lines.length > 0, { what: 'a first retrain log line' });
        assert.match(lines[0], /^retrain: due, but another process is training/);
        // The other process is done (or its lease ran out): the next look trains.
        await db.db.updateTable('embedder_training').set({ claimed_by: null, lease_until: null }).execute();
        await waitFor(() => lines.some((l) => l.startsWith('retrain: wrote')), { what: 'the retrained model to be written', timeoutMs: 20_000 });
        assert.equal(lines.filter((l) => l.startsWith('retrain: due')).length, 1, lines.join('\n'));
        assert.notEqual(version(), before);
        // A large corpus trains on its newest papers; growth is still counted from the whole corpus.
        assert.ok(
          lines.some((l) => l.includes('training a new one on the newest 300 on 1 thread(s)')),
          lines.join('\n'),
        );
        const row = await db.db.selectFrom('embedder_training').selectAll().executeTakeFirstOrThrow();
        assert.match(row.version ?? '', /-300d-/);
        assert.equal(row.papers, 550);
      } finally {
        await stop();
      }
    });

    test('published models: the newest two are kept; a model file put in DATA_DIR after the newest was published is kept', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-models-'));
      try {
        const docs = papers(0, 60, ['graphs', 'speech']);
        const files = [60, 70, 80].map((n) => path.join(dir, `m${n}.pbem`));
        for (const [k, f] of files.entries()) {
          const { model } = trainCorpusModel(docs.slice(0, 60 + 10 * k).concat(papers(2000, 10 * k, ['proteins'])), { ...SMALL, members: 1 });
          await model.save(f);
          await publishModel(db, f, { name: model.name, version: model.version, papers: 60 + 10 * k });
          await new Promise((r) => setTimeout(r, 5)); // distinct publication times
        }
        const kept = await db.db.selectFrom('embedder_models').select(['version', 'papers']).orderBy('created_at', 'desc').execute();
        assert.equal(kept.length, 2);
        assert.deepEqual(
          kept.map((k) => k.papers),
          [80, 70],
        );
        // A host whose own file is newer than the newest published model keeps it.
        const own = corpusModelPath(path.join(dir, 'host'));
        fs.mkdirSync(path.dirname(own), { recursive: true });
        fs.copyFileSync(files[0], own);
        const mine = await openEmbedderSource('corpus', path.join(dir, 'host'), 'default', db);
        assert.equal(mine.latest()?.papers, 60);
        // Once it is older than the published one, the published one replaces it.
        fs.utimesSync(own, new Date(0), new Date(0));
        const again = await openEmbedderSource('corpus', path.join(dir, 'host'), 'default', db);
        assert.equal(again.latest()?.version, kept[0].version);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test('a training asked to stop writes nothing and frees the claim', async () => {
      const file = await installFirstModel(dataDir);
      const before = fs.statSync(file).mtimeMs;
      // The last finished training counted 550 papers; 600 have come since.
      await db.db.updateTable('embedder_training').set({ papers: 550, finished_at: new Date().toISOString() }).execute();
      const store = createPaperStore(db);
      await store.upsertMany(papers(0, 1150, ['graphs', 'speech', 'proteins']));
      let asked = 0;
      const r = await retrainIfDue({
        database: db,
        dataDir,
        percent: 25,
        trainedOn: () => 400,
        owner: 'me',
        log: () => undefined,
        // Many members, so that it is still training when the stop comes.
        train: { ...SMALL, members: 16, epochs: 5 },
        threads: 1,
        shouldStop: () => ++asked > 0,
      });
      assert.deepEqual(r, { status: 'failed', error: 'search: training stopped' });
      assert.equal(fs.statSync(file).mtimeMs, before);
      const row = await db.db.selectFrom('embedder_training').selectAll().executeTakeFirstOrThrow();
      assert.deepEqual([row.claimed_by, row.papers, row.last_error], [null, 550, 'search: training stopped']);
      assert.equal(await claimTraining(db, 'someone', 60_000), true);
    });
  });
}
