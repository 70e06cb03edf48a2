import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../../testing/test-app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../testing/databases.js';
import { addPapers } from '../../digest/fixtures.js';
import { FOR_YOU_PAPERS } from '../../testing/foryou-fixtures.js';
import type { Community } from '../../community/community.js';

// The For-you API on both databases, as a script would use it: import, recommendations, rank,
// save and dismiss with a personal token, and none of it visible with another member's token.

for (const dialect of DIALECTS) {
  describe(`[${dialect}] For-you API`, () => {
    let db: TestDatabase;
    let app: FastifyInstance;
    let community: Community;
    let ada: string;
    let bob: string;
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      await addPapers(db, FOR_YOU_PAPERS);
      const t = await buildTestApp({ database: db });
      app = t.app;
      community = t.deps.community;
      const a = await community.accounts.createUser({ email: 'ada@example.org', username: 'ada' });
      const b = await community.accounts.createUser({ email: 'bob@example.org', username: 'bob' });
      ada = (await community.accounts.createApiToken(a.id, 'test')).token;
      bob = (await community.accounts.createApiToken(b.id, 'test')).token;
    });
    afterEach(async () => {
      await app.close();
      await db.destroy();
    });

    const call = (method: 'GET' | 'POST' | 'DELETE', url: string, token: string | null, body?: unknown, type?: string) =>
      app.inject({
        method,
        url,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(type ? { 'content-type': type } : {}) },
        ...(body === undefined ? {} : typeof body === 'string' ? { payload: body } : { payload: body as object }),
      });

    test('import a BibTeX file, get the day ranked with reasons, dismiss one (gone), save one (ranking changes)', async () => {
      assert.equal((await call('GET', '/api/recommendations', null)).statusCode, 401);
      const bib = [
        '@article{gnn, title = {Graph neural networks for molecule property prediction}, eprint = {2603.00101}, archivePrefix = {arXiv}}',
        '@article{broken, title = {Unclosed {brace}',
        '@misc{missing, title = {Not here}, url = {https://arxiv.org/abs/2612.00077}}',
      ].join('\n');
      const imp = await call('POST', '/api/library/import', ada, bib, 'application/x-bibtex');
      assert.equal(imp.statusCode, 200, imp.body);
      assert.deepEqual(imp.json().imported, ['2603.00101']);
      assert.deepEqual(imp.json().unknown, ['broken', 'missing']);
      let rec = await call('GET', '/api/recommendations?limit=10', ada);
      assert.equal(rec.statusCode, 200, rec.body);
      let body = rec.json();
      assert.equal(body.day, '2026-03-10');
      assert.equal(body.cold, false);
      assert.equal(body.papers[0].id, '2603.00201');
      assert.equal(body.papers[0].reason, 'like "Graph neural networks for molecule property prediction" you imported');
      assert.equal(typeof body.papers[0].score, 'number');
      assert.equal(body.papers[0].paper.id, '2603.00201');
      const dismissed = await call('POST', '/api/papers/2603.00201/dismiss', ada);
      assert.deepEqual(dismissed.json(), { paperId: '2603.00201', dismissed: true });
      const saved = await call('POST', '/api/papers/2603.00202/save', ada);
      assert.deepEqual(saved.json(), { paperId: '2603.00202', saved: true });
      rec = await call('GET', '/api/recommendations?limit=1', ada);
      body = rec.json();
      assert.ok(!body.papers.some((p: { id: string }) => p.id === '2603.00201' || p.id === '2603.00202'));
      assert.equal(body.papers.length, 1);
      // undo, idempotently
      assert.deepEqual((await call('DELETE', '/api/papers/2603.00201/dismiss', ada)).json(), { paperId: '2603.00201', dismissed: false });
      assert.deepEqual((await call('DELETE', '/api/papers/2603.00201/dismiss', ada)).json(), { paperId: '2603.00201', dismissed: false });
      assert.equal((await call('POST', '/api/papers/2612.00001/save', ada)).statusCode, 404);
      assert.equal((await call('POST', '/api/papers/not-an-id/save', ada)).statusCode, 400);
      // text/plain ids and URLs
      const ids = await call('POST', '/api/library/import', ada, '2603.00102\nhttps://arxiv.org/abs/2603.00103v1 2612.00001', 'text/plain');
      assert.deepEqual(ids.json().imported, ['2603.00102', '2603.00103']);
      assert.deepEqual(ids.json().unknown, ['2612.00001']);
      assert.equal((await call('POST', '/api/library/import', ada, '  ', 'text/plain')).statusCode, 400);
      assert.equal((await call('POST', '/api/library/import', ada, { ids: [] })).statusCode, 415);
    });

    test('rank: best first with scores; unknown ids named in a 400; at most 1,000 ids', async () => {
      await call('POST', '/api/papers/2603.00102/save', ada);
      const ok = await call('POST', '/api/recommendations/rank', ada, { ids: ['2603.00204', 'arXiv:2603.00203v2', '2603.00201'] });
      assert.equal(ok.statusCode, 200, ok.body);
      const ranked = ok.json().papers;
      assert.deepEqual(
        ranked.map((p: { id: string }) => p.id),
        ['2603.00203', ...ranked.slice(1).map((p: { id: string }) => p.id)],
      );
      assert.equal(ranked.length, 3);
      assert.ok(ranked[0].score >= ranked[1].score && ranked[1].score >= ranked[2].score);
      // each with its own title (from the ranking itself, not a second read of the papers)
      for (const p of ranked as { id: string; title: string }[]) assert.equal(p.title, FOR_YOU_PAPERS.find((f) => f.id === p.id)?.title, p.id);
      const unknown = await call('POST', '/api/recommendations/rank', ada, { ids: ['2603.00204', '2612.00009', 'junk'] });
      assert.equal(unknown.statusCode, 400);
      assert.match(unknown.json().message, /unknown paper ids: 2612\.00009, junk/);
      const many = await call('POST', '/api/recommendations/rank', ada, { ids: Array.from({ length: 1001 }, () => '2603.00204') });
      assert.equal(many.statusCode, 400);
      assert.match(many.json().message, /recommend: ids must NOT have more than 1000 items/);
      assert.equal((await call('POST', '/api/recommendations/rank', ada, { ids: 'x' })).statusCode, 400);
      assert.equal((await call('POST', '/api/recommendations/rank', null, { ids: [] })).statusCode, 401);
    });

    test("another member's token sees none of a member's saves, dismissals or ranking", async () => {
      await call('POST', '/api/library/import', ada, '2603.00101', 'text/plain');
      await call('POST', '/api/papers/2603.00203/save', ada);
      await call('POST', '/api/papers/2603.00204/dismiss', ada);
      const mine = (await call('GET', '/api/recommendations', ada)).json();
      const theirs = (await call('GET', '/api/recommendations', bob)).json();
      assert.equal(mine.cold, false);
      assert.equal(theirs.cold, true, "bob has no signals: ada's are not his");
      assert.equal(theirs.papers.length, 4, "ada's dismissal hides nothing from bob");
      assert.ok(theirs.papers.every((p: { score: number; reason: string | null }) => p.score === 0 && p.reason === null));
      const rank = (await call('POST', '/api/recommendations/rank', bob, { ids: ['2603.00201', '2603.00202'] })).json();
      assert.ok(rank.papers.every((p: { reason: string | null }) => p.reason === null));
      // bob's own signals are his alone
      await call('POST', '/api/papers/2603.00202/dismiss', bob);
      const again = (await call('GET', '/api/recommendations', ada)).json();
      assert.ok(again.papers.some((p: { id: string }) => p.id === '2603.00202'));
    });
  });
}
