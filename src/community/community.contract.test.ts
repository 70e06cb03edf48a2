import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { createPaperStore } from '../papers/store.js';
import { buildPaper } from '../papers/paper.js';
import { loadConfig } from '../config.js';
import { createCommunity, type Community } from './community.js';
import type { User } from './accounts.js';
import { hotness } from '../feed/hotness.js';
import { CommunityError } from './errors.js';

// The community store on both databases: the same behaviour on SQLite and PostgreSQL. Each test
// starts from a fresh database with the same four papers and sets up the members, submissions and
// roles it needs, so any test runs alone or in any order.

for (const dialect of DIALECTS) {
  describe(`[${dialect}] community store`, () => {
    let db: TestDatabase;
    let c: Community;
    let clock: Date;
    beforeEach(async () => {
      // A Tuesday evening in New York, already Wednesday in UTC: the feed day is Tuesday's date.
      clock = new Date('2026-03-11T02:30:00.000Z');
      db = await freshDatabase(dialect);
      const papers = createPaperStore(db);
      await papers.upsertMany([
        buildPaper({ id: '2603.00001', publishedAt: '2026-03-09T00:00:00.000Z', updatedAt: '2026-03-09T00:00:00.000Z' }),
        buildPaper({ id: '2603.00002', publishedAt: '2026-03-09T00:00:00.000Z', updatedAt: '2026-03-09T00:00:00.000Z' }),
        buildPaper({ id: '2603.00003', publishedAt: '2026-03-09T00:00:00.000Z', updatedAt: '2026-03-09T00:00:00.000Z' }),
        buildPaper({ id: '2602.00009', publishedAt: '2026-02-20T00:00:00.000Z', updatedAt: '2026-02-20T00:00:00.000Z' }),
      ]);
      const config = loadConfig({ SUBMIT_DAILY_CAP: '2', SUBMIT_WEEKENDS: 'false' });
      c = createCommunity(db, papers, config, { now: () => clock });
    });
    afterEach(() => db.destroy());

    const member = (username: string) => c.accounts.createUser({ email: `${username}@example.org`, username });
    async function curator(user: User): Promise<User> {
      await c.accounts.setRole(user.id, 'curator');
      return (await c.accounts.getUser(user.id))!;
    }
    /** `by` submits each paper (the daily cap is 2). */
    async function submitted(by: User, ...papers: string[]): Promise<void> {
      for (const paper of papers) await c.submissions.submit(by, { paper });
    }

    test('users: lower-cased unique email and username; sign-in tokens are single use and expire', async () => {
      const ada = await c.accounts.createUser({ email: 'Ada@Example.org', username: 'ada' });
      assert.equal(ada.email, 'ada@example.org');
      assert.equal(ada.role, 'member');
      await assert.rejects(c.accounts.createUser({ email: 'ada@example.org', username: 'other' }), /already exists/);
      await assert.rejects(c.accounts.createUser({ email: 'x@example.org', username: 'ADA' }), /taken/);
      const { token } = await c.accounts.createLoginToken('ADA@example.org');
      const row = await db.db.selectFrom('login_tokens').selectAll().executeTakeFirstOrThrow();
      assert.notEqual(row.token_hash, token, 'stored hashed');
      assert.equal((await c.accounts.consumeLoginToken(token)).id, ada.id);
      await assert.rejects(c.accounts.consumeLoginToken(token), /already used or expired/);
      const late = await c.accounts.createLoginToken('ada@example.org');
      const saved = clock;
      clock = new Date(clock.getTime() + 16 * 60_000);
      await assert.rejects(c.accounts.consumeLoginToken(late.token), /expired/);
      clock = saved;
      // a first sign-in creates the account, with a username from the address
      const fresh = await c.accounts.createLoginToken('grace.hopper@example.org');
      const grace = await c.accounts.consumeLoginToken(fresh.token);
      assert.equal(grace.username, 'grace-hopper');
      const closed = await c.accounts.createLoginToken('nobody@example.org');
      await assert.rejects(c.accounts.consumeLoginToken(closed.token, { allowSignup: false }), /invitation/);
    });

    test('sessions and API tokens resolve to the user until deleted or revoked', async () => {
      const ada = await member('ada');
      const s = await c.accounts.createSession(ada.id);
      assert.equal((await c.accounts.sessionUser(s.token))?.username, 'ada');
      await c.accounts.deleteSession(s.token);
      assert.equal(await c.accounts.sessionUser(s.token), null);
      const t = await c.accounts.createApiToken(ada.id, 'script');
      assert.match(t.token, /^pb_/);
      assert.equal((await c.accounts.apiTokenUser(t.token))?.id, ada.id);
      assert.equal((await c.accounts.listApiTokens(ada.id)).length, 1);
      assert.ok(await c.accounts.revokeApiToken(ada.id, t.id));
      assert.equal(await c.accounts.apiTokenUser(t.token), null);
    });

    test('submissions: feed day in New York, featured once, age limit, daily cap, weekends', async () => {
      const ada = await member('ada');
      const s = await c.submissions.submit(ada, { paper: 'https://arxiv.org/abs/2603.00001v2', comment: 'Good', githubRepo: 'https://github.com/a/b' });
      assert.equal(s.feedDay, '2026-03-10');
      assert.equal(s.hotness, hotness(0, clock));
      assert.equal((await c.submissions.get('2603.00001'))?.githubRepo, 'https://github.com/a/b');
      await assert.rejects(c.submissions.submit(ada, { paper: '2603.00001' }), /already featured on 2026-03-10/);
      await assert.rejects(c.submissions.submit(ada, { paper: '2602.00009' }), /closed 14 days after/);
      await assert.rejects(c.submissions.submit(ada, { paper: '2603.99999' }), /not in this instance/);
      await assert.rejects(c.submissions.submit(ada, { paper: '2603.00002', projectPage: 'javascript:alert(1)' }), /http/);
      await c.submissions.submit(ada, { paper: '2603.00002' });
      await assert.rejects(
        c.submissions.submit(ada, { paper: '2603.00003' }),
        (e: unknown) => e instanceof CommunityError && e.status === 429 && /2 papers today/.test(e.message),
      );
      const saved = clock;
      clock = new Date('2026-03-14T15:00:00.000Z'); // Saturday
      await assert.rejects(c.submissions.submit(ada, { paper: '2603.00003' }), /weekends/);
      clock = saved;
      assert.deepEqual((await c.submissions.listBySubmitter(ada.id)).map((x) => x.paperId).sort(), ['2603.00001', '2603.00002']);
    });

    test('votes: idempotent per member; count and hotness change in the same transaction', async () => {
      const ada = await member('ada');
      const grace = await member('grace-hopper');
      await submitted(ada, '2603.00001');
      assert.deepEqual(await c.votes.upvote(ada.id, '2603.00001'), { paperId: '2603.00001', upvotes: 1, voted: true });
      assert.equal((await c.votes.upvote(ada.id, '2603.00001')).upvotes, 1);
      await c.votes.upvote(grace.id, '2603.00001');
      let s = (await c.submissions.get('2603.00001'))!;
      assert.equal(s.upvotes, 2);
      assert.equal(s.hotness, hotness(2, s.submittedAt));
      assert.equal((await c.votes.unvote(grace.id, '2603.00001')).upvotes, 1);
      assert.equal((await c.votes.unvote(grace.id, '2603.00001')).upvotes, 1);
      s = (await c.submissions.get('2603.00001'))!;
      assert.equal(s.upvotes, 1);
      assert.equal(s.hotness, hotness(1, s.submittedAt));
      assert.deepEqual([...(await c.votes.votedAmong(ada.id, ['2603.00001', '2603.00002']))], ['2603.00001']);
      // a paper that is not featured can be upvoted too; the votes count once it is submitted
      await c.votes.upvote(grace.id, '2603.00003');
      assert.equal(await c.votes.count('2603.00003'), 1);
      await assert.rejects(c.votes.upvote(ada.id, '2699.00000'), /not in this instance/);
    });

    test('concurrent votes by different members each count once', async () => {
      await submitted(await member('ada'), '2603.00002');
      const users = await Promise.all([1, 2, 3, 4, 5].map((i) => c.accounts.createUser({ email: `v${i}@example.org`, username: `voter${i}` })));
      await Promise.all(users.map((u) => c.votes.upvote(u.id, '2603.00002')));
      const s = (await c.submissions.get('2603.00002'))!;
      assert.equal(s.upvotes, 5);
      assert.equal(s.hotness, hotness(5, s.submittedAt));
    });

    test('comments: threads, edit and delete own, curators hide, visible count on the submission', async () => {
      const ada = await member('ada');
      const grace = await member('grace-hopper');
      await submitted(ada, '2603.00001', '2603.00002');
      const top = await c.comments.add(ada, '2603.00001', 'Nice *result*');
      const reply = await c.comments.add(grace, '2603.00001', 'Agreed', top.id);
      await assert.rejects(c.comments.add(grace, '2603.00002', 'x', top.id), /not on this paper/);
      await assert.rejects(c.comments.add(grace, '2603.00001', '   '), /empty/);
      assert.equal((await c.submissions.get('2603.00001'))?.commentsCount, 2);
      await assert.rejects(c.comments.edit(grace, top.id, 'hijack'), /only your own/);
      assert.equal((await c.comments.edit(ada, top.id, 'Nice **result**')).body, 'Nice **result**');
      await assert.rejects(c.comments.setHidden(ada, reply.id, true), /only curators/);
      const curatorAda = await curator(ada);
      await c.comments.setHidden(curatorAda, reply.id, true);
      assert.equal((await c.submissions.get('2603.00001'))?.commentsCount, 1);
      await c.comments.remove(curatorAda, top.id);
      const thread = await c.comments.thread('2603.00001');
      assert.equal(thread.length, 1);
      assert.equal(thread[0].deleted, true);
      assert.equal(thread[0].body, '');
      assert.equal(thread[0].replies[0].hidden, true);
      assert.equal((await c.submissions.get('2603.00001'))?.commentsCount, 0);
    });

    test('author claims: one slot per member per paper, approved by a curator', async () => {
      const grace = await member('grace-hopper');
      const ada = await member('ada');
      await submitted(ada, '2603.00001', '2603.00002');
      const curatorAda = await curator(ada);
      const claim = await c.claims.claim(grace, '2603.00001', 1);
      assert.equal(claim.authorName, 'Alan Turing');
      assert.equal(claim.status, 'pending');
      await assert.rejects(c.claims.claim(grace, '2603.00001', 0), /already claimed an author/);
      await assert.rejects(c.claims.claim(grace, '2603.00002', 7), /no author number 8/);
      await assert.rejects(c.claims.decide(grace, claim.id, true), /only curators/);
      assert.equal((await c.claims.decide(curatorAda, claim.id, true)).status, 'approved');
      assert.deepEqual(
        (await c.claims.forUser(grace.id, 'approved')).map((x) => x.paperId),
        ['2603.00001'],
      );
      const voter = await member('voter1');
      await assert.rejects(c.claims.claim(voter, '2603.00001', 1), /already been claimed/);
      assert.equal((await c.claims.pending()).length, 0);
    });
  });
}
