import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../testing/test-app.js';
import { cardIds, Member } from '../testing/member.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { addPapers } from '../digest/fixtures.js';
import { FOR_YOU_PAPERS } from '../testing/foryou-fixtures.js';
import type { User } from '../community/accounts.js';

// Deleting an account (issue #26): the page (type your username, CSRF), the API (DELETE /api/account)
// and afterwards no row of any table names the member (every column that holds a user id, found by
// looking at the schema, so a table added later is checked too), another member's export is the same,
// others' replies to the member's comments stay, and the username can be registered again.

type Deps = Awaited<ReturnType<typeof buildTestApp>>['deps'];

/** Every row of every table that names the user: user-id columns, member follows, the email address. */
async function rowsNaming(db: TestDatabase, user: { id: number; email: string }): Promise<string[]> {
  const found: string[] = [];
  for (const table of await db.db.introspection.getTables()) {
    for (const col of table.columns) {
      const name = col.name;
      let value: string | number | null = null;
      if (name === 'user_id' || name.endsWith('_by') || (table.name === 'users' && name === 'id')) value = user.id;
      else if (name === 'email') value = user.email;
      if (value === null) continue;
      // claimed_by holds a worker's name, not a user id
      if (name === 'claimed_by') continue;
      const rows = await db.db
        .selectFrom(table.name as 'users')
        .selectAll()
        .where(name as 'id', '=', value as number)
        .execute();
      if (rows.length) found.push(`${table.name}.${name}: ${rows.length}`);
    }
  }
  const follows = await db.db.selectFrom('follows').select('user_id').where('kind', '=', 'member').where('value', '=', String(user.id)).execute();
  if (follows.length) found.push(`follows of the member: ${follows.length}`);
  return found;
}

/** The member's data: everything the account leaves in the database, so that a test sees it is there first. */
async function fillAccount(deps: Deps, db: TestDatabase, ada: User, bob: User) {
  const { community, recommend, follows, digests } = deps;
  await community.votes.upvote(ada.id, '2603.00201');
  await community.votes.upvote(bob.id, '2603.00201');
  const top = await community.comments.add(ada, '2603.00201', 'A first comment');
  const reply = await community.comments.add(bob, '2603.00201', 'A reply to Ada', top.id);
  const again = await community.comments.add(ada, '2603.00201', 'Ada answers Bob', reply.id);
  await community.comments.add(bob, '2603.00201', 'Bob answers Ada again', again.id);
  await community.claims.claim(ada, '2603.00202', 0);
  await recommend.signals.set(ada.id, '2603.00203', 'save', true);
  await recommend.signals.set(ada.id, '2603.00204', 'dismiss', true);
  await recommend.importLibrary(ada.id, '2603.00101', 'ids');
  const c = await recommend.collections.create(ada.id, { name: 'Reading group', public: true });
  await recommend.collections.add(c, '2603.00102', 'for Tuesday');
  await follows.follow(ada.id, 'category', 'cs.CL');
  await follows.follow(ada.id, 'member', 'bob');
  await follows.follow(bob.id, 'member', 'ada');
  await digests.subscriptions.createConfirmed(ada.email, { forYouCount: 5 });
  await community.accounts.createApiToken(ada.id, 'script');
  await community.accounts.createLoginToken(ada.email);
  await db.db
    .insertInto('submissions')
    .values({
      paper_id: '2603.00204',
      feed_day: '2026-03-10',
      submitted_at: '2026-03-10T17:00:00.000Z',
      submitted_by: ada.id,
      upvotes: 0,
      hotness: 0,
      hidden: 0,
    })
    .execute();
  // bob's own things, which stay
  await recommend.signals.set(bob.id, '2603.00202', 'save', true);
  await community.comments.add(bob, '2603.00203', 'Bob on his own');
  await recommend.reader(ada.id);
}

for (const dialect of DIALECTS) {
  describe(`[${dialect}] deleting an account`, () => {
    let db: TestDatabase;
    let app: FastifyInstance;
    let deps: Deps;
    let ada: User;
    let bob: User;
    let adaMember: Member;
    let bobMember: Member;
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      await addPapers(db, [...FOR_YOU_PAPERS.map((p) => (p.id === '2603.00201' ? { ...p, submitted: { day: '2026-03-10', upvotes: 0 } } : p))]);
      const t = await buildTestApp({ database: db });
      app = t.app;
      deps = t.deps;
      ada = await deps.community.accounts.createUser({ email: 'ada@example.org', username: 'ada' });
      bob = await deps.community.accounts.createUser({ email: 'bob@example.org', username: 'bob' });
      adaMember = new Member(app, (await deps.community.accounts.createSession(ada.id)).token);
      bobMember = new Member(app, (await deps.community.accounts.createSession(bob.id)).token);
      await fillAccount(deps, db, ada, bob);
    });
    afterEach(async () => {
      await app.close();
      await db.destroy();
    });

    test('"Delete my account": type your username, then nothing of the member is left, and others keep theirs', async () => {
      assert.ok((await rowsNaming(db, ada)).length >= 10, `the set-up fills the account: ${await rowsNaming(db, ada)}`);
      const bobsExport = (await bobMember.get('/account/export')).json() as Record<string, unknown>;
      const profile = await adaMember.get('/u/ada');
      assert.match(profile.body, /<a href="\/account\/delete">Delete my account<\/a>/);
      assert.equal((await app.inject({ method: 'GET', url: '/account/delete' })).statusCode, 303, 'signed out: to sign in');
      const confirm = await adaMember.get('/account/delete');
      assert.equal(confirm.statusCode, 200);
      assert.match(confirm.body, /Type your username, <strong>ada<\/strong>, to confirm/);
      // no CSRF token: refused; the wrong name: nothing happens
      const forged = await app.inject({
        method: 'POST',
        url: '/account/delete',
        payload: 'username=ada',
        headers: { cookie: adaMember.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(forged.statusCode, 403);
      const wrong = await adaMember.submit('/account/delete', '/account/delete', { username: 'bob' });
      assert.equal(wrong.statusCode, 400);
      assert.match(wrong.body, /&quot;bob&quot; is not your username: nothing was deleted/);
      assert.ok(await deps.community.accounts.getByUsername('ada'));

      const done = await adaMember.submit('/account/delete', '/account/delete', { username: 'ada' });
      assert.equal(done.statusCode, 200);
      assert.match(done.body, /Your account is deleted/);
      assert.match(String(done.headers['set-cookie']), /pb_session=;/, 'signed out');
      assert.deepEqual(await rowsNaming(db, ada), [], 'no row names her');
      assert.equal(await deps.community.accounts.sessionUser(adaMember.cookies.pb_session), null);
      assert.equal((await adaMember.get('/for-you')).statusCode, 303, 'her old cookie signs nobody in');

      // What stays: bob's export as it was, his replies (moved up to the top level), the submission without a submitter
      // (his replies' parents are the one change: they hang under the nearest comment that stays, below)
      const unparented = (e: Record<string, unknown>) => ({
        ...e,
        exportedAt: null,
        comments: (e.comments as { parentId: number | null }[]).map((c) => ({ ...c, parentId: null })),
      });
      assert.deepEqual(unparented((await bobMember.get('/account/export')).json()), unparented(bobsExport));
      const thread = await deps.community.comments.thread('2603.00201');
      assert.deepEqual(
        thread.map((n) => [n.body, n.replies.map((r) => r.body)]),
        [['A reply to Ada', ['Bob answers Ada again']]],
        "bob's replies stay, each under the nearest comment that stays",
      );
      const sub = await deps.community.submissions.get('2603.00204');
      assert.equal(sub?.submittedBy ?? null, null);
      assert.equal((await deps.community.submissions.get('2603.00201'))?.upvotes, 1, "her upvote is taken off the paper's count");
      assert.deepEqual(cardIds((await bobMember.get('/u/bob/c/saved')).body), ['2603.00202']);
      assert.equal(await deps.digests.subscriptions.getByEmail('ada@example.org'), null, 'the digest subscription of her address');

      // The name can be registered again, and the new account starts empty
      const again = await deps.community.accounts.createUser({ email: 'ada@example.org', username: 'ada' });
      const fresh = new Member(app, (await deps.community.accounts.createSession(again.id)).token);
      assert.match((await fresh.get('/for-you')).body, /Your ranking starts/);
      const exp = (await fresh.get('/account/export')).json();
      assert.deepEqual([exp.upvotes, exp.comments, exp.forYou.saved, exp.digest], [[], [], [], null]);
    });

    test('DELETE /api/account: a Bearer token and the username to confirm', async () => {
      const { token } = await deps.community.accounts.createApiToken(ada.id, 'bot');
      const call = (body: unknown, auth = `Bearer ${token}`) =>
        app.inject({ method: 'DELETE', url: '/api/account', payload: body as object, headers: { authorization: auth } });
      assert.equal((await call({ confirm: 'ada' }, '')).statusCode, 401);
      const wrong = await call({ confirm: 'bob' });
      assert.equal(wrong.statusCode, 400);
      assert.match(wrong.json().message, /confirm with your username \(ada\); nothing was deleted/);
      const missing = await call({});
      assert.equal(missing.statusCode, 400);
      assert.ok(await deps.community.accounts.getByUsername('ada'));
      const ok = await call({ confirm: 'ada' });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(ok.json(), { deleted: 'ada' });
      assert.deepEqual(await rowsNaming(db, ada), []);
      assert.equal((await call({ confirm: 'ada' })).statusCode, 401, 'the token went with the account');
      assert.ok(await deps.community.accounts.getByUsername('bob'));
      const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
      assert.equal(spec.paths['/api/account'].delete.operationId, 'deleteAccount');
    });
  });
}
