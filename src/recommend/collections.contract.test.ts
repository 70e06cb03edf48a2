import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, freshDatabase, freshDatabaseUrl, type TestDatabase } from '../testing/databases.js';
import { openDatabase } from '../storage/database.js';
import { appliedVersions, migrate } from '../storage/migrate.js';
import { createPaperStore, type PaperStore } from '../papers/store.js';
import { buildPaper } from '../papers/paper.js';
import { loadConfig } from '../config.js';
import { createCommunity, type Community } from '../community/community.js';
import { addPapers } from '../digest/fixtures.js';
import { createRecommender } from './recommender.js';
import { createRecommendService, type RecommendService } from './service.js';
import { CollectionError, slugOf } from './collections.js';
import { parseLibrary } from './library-parse.js';
import { FOR_YOU_PAPERS } from '../testing/foryou-fixtures.js';

// Collections on both databases: the default "Saved" is the save signal (both ways, in one
// transaction), order, notes, read marks, the version a paper had when added, which of a member's
// collections hold a paper, and an account's deletion takes them along.

for (const dialect of DIALECTS) {
  describe(`[${dialect}] collections`, () => {
    let db: TestDatabase;
    let c: Community;
    let papers: PaperStore;
    let r: RecommendService;
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      await addPapers(db, FOR_YOU_PAPERS);
      papers = createPaperStore(db);
      c = createCommunity(db, papers, loadConfig({}), { now: () => new Date('2026-03-11T02:30:00.000Z') });
      r = createRecommendService({ database: db, papers, recommender: createRecommender(db, papers, () => null), timeZone: 'America/New_York' });
    });
    afterEach(() => db.destroy());

    const member = (username: string) => c.accounts.createUser({ email: `${username}@example.org`, username });
    const ids = async (col: Parameters<RecommendService['collections']['items']>[0]) => (await r.collections.items(col)).map((i) => i.paper.id);

    test('"Saved" is what Save fills, and the save signal follows it both ways', async () => {
      const ada = await member('ada');
      await r.signals.set(ada.id, '2603.00101', 'save', true);
      await r.signals.set(ada.id, '2603.00102', 'save', true);
      const saved = await r.collections.savedOf(ada.id);
      assert.equal(saved.slug, 'saved');
      assert.deepEqual(await ids(saved), ['2603.00102', '2603.00101'], 'newest on top');
      // "Not interested" takes a save back, and the paper leaves "Saved"
      await r.signals.set(ada.id, '2603.00102', 'dismiss', true);
      assert.deepEqual(await ids(saved), ['2603.00101']);
      // adding to "Saved" from a collection form saves (and takes back the dismissal) ...
      await r.collections.add(saved, '2603.00102');
      assert.deepEqual(await r.signals.among(ada.id, ['2603.00102']), { saved: new Set(['2603.00102']), dismissed: new Set() });
      // ... and removing from it unsaves, so For you sees it no more
      await r.collections.remove(saved, '2603.00101');
      assert.deepEqual(
        (await r.signals.of(ada.id)).liked.map((l) => l.id),
        ['2603.00102'],
      );
      await r.collections.addMany(saved, ['2603.00103', '2603.00201', '2603.00102']);
      assert.deepEqual(await ids(saved), ['2603.00103', '2603.00201', '2603.00102'], 'new ones on top, in the order given');
      assert.ok((await r.signals.among(ada.id, ['2603.00103'])).saved.has('2603.00103'));
      await assert.rejects(r.collections.delete(saved), (e: unknown) => e instanceof CollectionError && e.status === 400);
    });

    test('a collection keeps order, notes, read marks and the version added; names make unique slugs', async () => {
      const ada = await member('ada');
      const bob = await member('bob');
      const a = await r.collections.create(ada.id, { name: '  Graph   Nets! ' });
      assert.equal(a.name, 'Graph Nets!');
      assert.equal(a.slug, 'graph-nets');
      assert.equal(a.public, false);
      assert.equal((await r.collections.create(ada.id, { name: 'graph nets' })).slug, 'graph-nets-2');
      assert.equal((await r.collections.create(ada.id, { name: 'Saved' })).slug, 'saved-2', 'the default keeps "saved"');
      assert.equal((await r.collections.create(bob.id, { name: 'Graph nets' })).slug, 'graph-nets', 'slugs are per member');
      await assert.rejects(r.collections.create(ada.id, { name: '   ' }), (e: unknown) => e instanceof CollectionError && e.status === 400);
      await assert.rejects(r.collections.create(ada.id, { name: 'x'.repeat(101) }), /at most 100/);

      assert.equal(await r.collections.add(a, '2603.00101', 'read first'), true);
      assert.equal(await r.collections.add(a, '2603.00102'), true);
      assert.equal(await r.collections.add(a, '2603.00103'), true);
      assert.equal(await r.collections.add(a, '2603.00101'), false, 'twice is once');
      await assert.rejects(r.collections.add(a, '2603.99999'), (e: unknown) => e instanceof CollectionError && e.status === 404);
      assert.deepEqual(await ids(a), ['2603.00103', '2603.00102', '2603.00101'], 'newest on top');
      await r.collections.move(a, '2603.00101', 'up');
      assert.deepEqual(await ids(a), ['2603.00103', '2603.00101', '2603.00102']);
      await r.collections.move(a, '2603.00103', 'up'); // already first
      await r.collections.move(a, '2603.00102', 'down'); // already last
      assert.deepEqual(await ids(a), ['2603.00103', '2603.00101', '2603.00102']);
      await r.collections.setNote(a, '2603.00102', '  compare with 00101 ');
      await r.collections.setRead(a, '2603.00103', true);
      await assert.rejects(r.collections.setNote(a, '2603.00201', 'x'), (e: unknown) => e instanceof CollectionError && e.status === 404);
      await assert.rejects(r.collections.setNote(a, '2603.00102', 'x'.repeat(4001)), /at most 4000/);
      const items = await r.collections.items(a);
      assert.deepEqual(
        items.map((i) => [i.paper.id, i.note, i.readAt !== null, i.versionAdded]),
        [
          ['2603.00103', null, true, 1],
          ['2603.00101', 'read first', false, 1],
          ['2603.00102', 'compare with 00101', false, 1],
        ],
      );
      // arXiv publishes v2 of one: the collection still says v1 was added, the paper says 2
      const p = (await papers.get('2603.00101'))!;
      await papers.upsertMany([buildPaper({ ...p, version: 2, updatedAt: '2026-03-12T00:00:00.000Z' })]);
      const after = (await r.collections.items(a)).find((i) => i.paper.id === '2603.00101')!;
      assert.equal(after.paper.version, 2);
      assert.equal(after.versionAdded, 1);

      // which of a member's collections hold a paper; another member's are never among them
      await r.signals.set(ada.id, '2603.00101', 'save', true);
      const bobs = await r.collections.create(bob.id, { name: 'Mine' });
      await r.collections.add(bobs, '2603.00101');
      assert.deepEqual(
        (await r.collections.holding(ada.id, '2603.00101')).map((x) => x.name),
        ['Saved', 'Graph Nets!'],
      );
      const mine = await r.collections.mine(ada.id);
      assert.deepEqual(
        mine.map((x) => [x.name, x.count]),
        [
          ['Saved', 1],
          ['graph nets', 0],
          ['Graph Nets!', 3],
          ['Saved', 0],
        ],
      );
      // renaming follows the name in the slug; making it public is kept
      const renamed = await r.collections.update(a, { name: 'Molecules', public: true });
      assert.deepEqual([renamed.slug, renamed.public], ['molecules', true]);

      // An account removed takes its collections and their papers along (ON DELETE CASCADE).
      await db.db.deleteFrom('users').where('id', '=', ada.id).execute();
      assert.equal((await db.db.selectFrom('collections').selectAll().where('user_id', '=', ada.id).execute()).length, 0);
      assert.equal((await db.db.selectFrom('collection_papers').selectAll().where('collection_id', '=', a.id).execute()).length, 0);
      assert.deepEqual(await ids(bobs), ['2603.00101']);
    });

    test('import matches RIS and BibTeX by arXiv id, DOI and exact title, and names what it cannot read by line', async () => {
      const ada = await member('ada');
      const col = await r.collections.create(ada.id, { name: 'Imported' });
      const ris = [
        'TY  - UNPB',
        'TI  - Some paper',
        'M1  - arXiv:2603.00101',
        'ER  - ',
        'TY  - JOUR',
        'TI  - Black hole mergers',
        'DO  - 10.1103/PhysRevD.1.2',
        'ER  - ',
        'TY  - JOUR',
        'TI  - Protein structure prediction with attention',
        'ER  - ',
        'TY  - JOUR',
        'ID  - nowhere',
        'TI  - A paper nobody has',
        'ER  - ',
        'TY  - JOUR',
        'TI  - Never ended',
      ].join('\r\n');
      const parsed = parseLibrary(ris);
      const { ids: found, problems } = await r.matchLibrary(parsed);
      assert.deepEqual(found, ['2603.00101', '2603.00103', '2603.00102']);
      assert.deepEqual(
        problems.map((p) => [p.entry, p.line]),
        [
          ['nowhere', 12],
          ['Never ended', 16],
        ],
      );
      assert.equal(await r.collections.addMany(col, found), 3);
      assert.equal(await r.collections.addMany(col, found), 0, 'again: nothing new');
      const bib = parseLibrary('@misc{a, eprint = {2603.00201}, archivePrefix = {arXiv}}\n@misc{broken, title = {x\n');
      assert.deepEqual(
        bib.entries.map((e) => e.arxivId),
        ['2603.00201'],
      );
      assert.deepEqual(
        bib.problems.map((p) => [p.entry, p.line]),
        [['broken', 2]],
      );
    });

    test('migration 0017: the saves made before collections become each member\'s "Saved", newest on top', async () => {
      // A database at 0016 with saves in it: 0017 is marked applied, the rest migrated, then 0017 runs for real.
      const { url, drop } = await freshDatabaseUrl(dialect);
      const old = await openDatabase(url);
      try {
        await appliedVersions(old);
        await old.db.insertInto('schema_migrations').values({ version: 17, name: 'later', applied_at: 'x' }).execute();
        await migrate(old);
        await addPapers(old, FOR_YOU_PAPERS);
        const [ada, bob] = await Promise.all(
          ['ada', 'bob'].map((u) =>
            createCommunity(old, createPaperStore(old), loadConfig({})).accounts.createUser({ email: `${u}@example.org`, username: u }),
          ),
        );
        const saves = [
          [ada.id, '2603.00101', '2026-03-01T00:00:00.000Z'],
          [ada.id, '2603.00102', '2026-03-03T00:00:00.000Z'],
          [ada.id, '2603.00103', '2026-03-02T00:00:00.000Z'],
          [bob.id, '2603.00101', '2026-03-01T00:00:00.000Z'],
        ] as const;
        await old.db
          .insertInto('reader_signals')
          .values([
            ...saves.map(([user_id, paper_id, created_at]) => ({ user_id, paper_id, kind: 'save', created_at })),
            { user_id: bob.id, paper_id: '2603.00102', kind: 'dismiss', created_at: '2026-03-01T00:00:00.000Z' },
          ])
          .execute();
        await old.db.deleteFrom('schema_migrations').where('version', '=', 17).execute();
        assert.deepEqual(
          (await migrate(old)).map((m) => m.version),
          [17],
        );
        const after = createRecommendService({
          database: old,
          papers: createPaperStore(old),
          recommender: createRecommender(old, createPaperStore(old), () => null),
          timeZone: 'UTC',
        });
        const savedIds = async (userId: number) => (await after.collections.items(await after.collections.savedOf(userId))).map((i) => i.paper.id);
        assert.deepEqual(await savedIds(ada.id), ['2603.00102', '2603.00103', '2603.00101']);
        assert.deepEqual(await savedIds(bob.id), ['2603.00101'], 'a dismissal is not a save');
        const adaSaved = await after.collections.savedOf(ada.id);
        assert.deepEqual([adaSaved.slug, adaSaved.public, adaSaved.saved], ['saved', false, true]);
        // and the store goes on from there: a new save goes on top
        await after.signals.set(ada.id, '2603.00201', 'save', true);
        assert.deepEqual((await savedIds(ada.id))[0], '2603.00201');
      } finally {
        await old.close();
        await drop();
      }
    });

    test('slugs drop accents and punctuation', () => {
      assert.equal(slugOf('Résumé: the best (2026)'), 'resume-the-best-2026');
      assert.equal(slugOf('!!!'), 'collection');
    });
  });
}
