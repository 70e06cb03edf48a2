import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../config.js';
import { createPaperStore } from '../papers/store.js';
import { parseAtomFeed } from '../papers/formats/atom.js';
import { DIALECTS, freshDatabase } from '../testing/databases.js';
import { apiFixturePages, startFakeArxiv } from '../testing/fake-arxiv.js';
import { API_CATS, harvestEnv } from '../testing/harvest-fixtures.js';
import { createHarvester } from './harvester.js';
import { communitySubmitter, SYSTEM_USERNAME } from './auto-feature-community.js';
import { createCommunity } from '../community/community.js';
import { drainWindows } from './harvest.js';
import { planHarvest } from './harvest-plan.js';
import { processOwner } from './harvest-store.js';

const DAY = '2025-12-15';

for (const dialect of DIALECTS) {
  test(`[${dialect}] FEED_AUTO_CATEGORIES: newly harvested papers in those categories are featured once, by the system user`, async () => {
    const fake = await startFakeArxiv({ day: DAY, apiPages: apiFixturePages() });
    const db = await freshDatabase(dialect);
    try {
      const config = loadConfig({ ...harvestEnv(fake, API_CATS), HARVEST_SOURCES: 'api', FEED_AUTO_CATEGORIES: 'cs.CL,cs.SE' });
      const deps = { config, database: db, papers: createPaperStore(db) };
      // The day after the announcement, so SUBMIT_MAX_AGE_DAYS lets these papers in.
      const h = createHarvester(deps, () => {}, communitySubmitter(createCommunity(db, deps.papers, config, { now: () => new Date('2025-12-16T15:00:00Z') })));
      const want = apiFixturePages()
        .flatMap((p) => parseAtomFeed(p).records)
        .filter((r) => r.categories.some((c) => c === 'cs.CL' || c === 'cs.SE'))
        .map((r) => r.id)
        .sort();
      assert.ok(want.length > 10);
      for (let run = 0; run < 2; run++) {
        const plan = await planHarvest(h.windows, h.settings, { from: DAY, until: DAY });
        await drainWindows(h, processOwner(), 1, plan.keys);
      }
      const rows = await db.db
        .selectFrom('submissions')
        .innerJoin('users', 'users.id', 'submissions.submitted_by')
        .select(['submissions.paper_id', 'submissions.feed_day', 'users.username', 'users.role'])
        .orderBy('submissions.paper_id')
        .execute();
      assert.deepEqual(
        rows.map((r) => r.paper_id),
        want,
      );
      assert.ok(rows.every((r) => r.feed_day === '2025-12-16' && r.username === SYSTEM_USERNAME && r.role === 'system'));
    } finally {
      await db.destroy();
      await fake.close();
    }
  });
}

test('without FEED_AUTO_CATEGORIES only members submit: the harvest features nothing', async () => {
  const fake = await startFakeArxiv({ day: DAY, apiPages: apiFixturePages().slice(0, 1) });
  const db = await freshDatabase('sqlite');
  try {
    const config = loadConfig({ ...harvestEnv(fake, API_CATS), HARVEST_SOURCES: 'api' });
    const h = createHarvester({ config, database: db, papers: createPaperStore(db) }, () => {});
    assert.equal(h.onNewPapers, undefined);
    const plan = await planHarvest(h.windows, h.settings, { from: DAY, until: DAY });
    const t = await drainWindows(h, processOwner(), 1, plan.keys);
    assert.equal(t.inserted, 100);
    assert.equal((await db.db.selectFrom('submissions').select('paper_id').execute()).length, 0);
  } finally {
    await db.destroy();
    await fake.close();
  }
});
