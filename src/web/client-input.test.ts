import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildTestApp } from '../testing/test-app.js';
import { loadConfig } from '../config.js';
import { createPaperStore } from '../papers/store.js';
import { buildPaper } from '../papers/paper.js';
import { freshDatabase, type TestDatabase } from '../testing/databases.js';
import { waitFor } from '../testing/wait.js';
import type { Mailer, MailMessage } from '../digest/mailer.js';
import type { Community } from '../community/community.js';

// What a client controls and the app must not trust (issue #24): its address behind proxies, the
// paths it is sent back to, the addresses it signs in with; and what signed-in pages let caches keep.

/** A mailer that keeps what it is given; `hold()` makes sends wait until `release()`. */
function recordingMailer() {
  const sent: MailMessage[] = [];
  let gate: Promise<void> | null = null;
  let open = () => {};
  const mailer: Mailer & { sent: MailMessage[]; hold(): void; release(): void } = {
    kind: 'outbox',
    sent,
    async send(message) {
      if (gate) await gate;
      sent.push(message);
      return { messageId: `<${sent.length}@test>` };
    },
    close() {},
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      gate = null;
      open();
    },
  };
  return mailer;
}

/** One browser: cookies kept, requests from a given peer address and X-Forwarded-For. */
class Visitor {
  cookies = new Map<string, string>();
  constructor(
    private app: FastifyInstance,
    private headers: Record<string, string> = {},
  ) {}
  private keep(res: LightMyRequestResponse) {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number }[]) {
      if (c.value === '' || c.maxAge === 0) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }
  private get cookie() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async get(url: string) {
    return this.keep(await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookie, ...this.headers } }));
  }
  async post(url: string, form: Record<string, string>) {
    const page = await this.get('/signin');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookie, ...this.headers },
      }),
    );
  }
}

async function build(db: TestDatabase, env: Record<string, string>) {
  const mailer = recordingMailer();
  const config = loadConfig({ LOG_LEVEL: 'silent', BASE_URL: 'http://paperboy.test', SESSION_SECRET: 'test-secret', ...env });
  const { app, deps } = await buildTestApp({ config, database: db, mailer });
  return { app, mailer, community: deps.community as Community };
}

describe('client input over HTTP', () => {
  let db: TestDatabase;
  const apps: FastifyInstance[] = [];
  before(async () => {
    db = await freshDatabase('sqlite');
    const recent = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await createPaperStore(db).upsertMany([buildPaper({ id: '2603.20001', publishedAt: recent, updatedAt: recent })]);
  });
  after(async () => {
    for (const app of apps) await app.close();
    await db.destroy();
  });

  /** Three sign-in requests from one peer, each with its own X-Forwarded-For; the per-client limit is 2. */
  async function signinStatuses(trustProxy: string | undefined, peer: number): Promise<number[]> {
    const { app } = await build(db, { SIGNIN_RATE_LIMIT: '2', ...(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }) });
    apps.push(app);
    const remoteAddress = `127.0.0.${peer}`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      // The limits live in the database all these apps share: addresses of their own for each case.
      const headers = { 'x-forwarded-for': `203.0.113.${peer * 10 + i}` };
      const page = await app.inject({ method: 'GET', url: '/signin', remoteAddress, headers });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
      const cookie = page.cookies.map((c: { name: string; value: string }) => `${c.name}=${c.value}`).join('; ');
      const post = await app.inject({
        method: 'POST',
        url: '/signin',
        remoteAddress,
        payload: new URLSearchParams({ _csrf: csrf, email: `proxy-${peer}-${i}@example.org` }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers },
      });
      statuses.push(post.statusCode);
    }
    return statuses;
  }

  test('X-Forwarded-For counts only from the proxies TRUST_PROXY names: by default a client cannot pick its address', async () => {
    // Off by default: the peer is the client, whatever it writes (it escaped the per-client limit).
    assert.deepEqual(await signinStatuses(undefined, 2), [200, 200, 429]);
    // Behind a proxy at a named address or CIDR, or a number of hops: the forwarded address is the client.
    assert.deepEqual(await signinStatuses('127.0.0.3', 3), [200, 200, 200]);
    assert.deepEqual(await signinStatuses('127.0.0.0/8, ::1', 4), [200, 200, 200]);
    assert.deepEqual(await signinStatuses('1', 5), [200, 200, 200]);
    // A peer that is not a named proxy is the client.
    assert.deepEqual(await signinStatuses('10.0.0.0/8', 6), [200, 200, 429]);
  });

  /** Signs in through the emailed link; `next` goes with the confirmation. */
  async function signIn(app: FastifyInstance, mailer: ReturnType<typeof recordingMailer>, email: string, next?: string) {
    const v = new Visitor(app);
    const before = mailer.sent.length;
    assert.equal((await v.post('/signin', { email })).statusCode, 200);
    await waitFor(() => mailer.sent.length > before, { what: 'the sign-in mail' });
    const token = /token=([^&\s]+)/.exec(mailer.sent.at(-1)!.text)![1];
    const confirm = await v.post('/signin/confirm', { token: decodeURIComponent(token), ...(next === undefined ? {} : { next }) });
    return { v, confirm, token: decodeURIComponent(token) };
  }

  test('redirects to any local path, non-ASCII included, answer 303 (they were 500s, after sign-in had spent its link)', async () => {
    const { app, mailer, community } = await build(db, {});
    apps.push(app);
    const { v, confirm, token } = await signIn(app, mailer, 'redirect@example.org', '/中');
    assert.equal(confirm.statusCode, 303, confirm.body);
    assert.equal(confirm.headers.location, '/%E4%B8%AD');
    assert.ok(v.cookies.has('pb_session'));
    // The link was spent by a sign-in that worked, once.
    const again = await new Visitor(app).post('/signin/confirm', { token });
    assert.equal(again.statusCode, 400);
    // The same link query, percent-encoded as it arrives in a URL.
    const other = await signIn(app, mailer, 'redirect2@example.org');
    const page = await other.v.get('/signin/confirm?token=x&next=%2F%E4%B8%AD%3Fa%3D%C3%BC');
    assert.match(page.body, /name="next" value="\/%E4%B8%AD\?a=%C3%BC"/);

    const user = (await community.accounts.getByEmail('redirect@example.org'))!;
    await community.submissions.submit(user, { paper: '2603.20001' });
    const up = await v.post('/papers/2603.20001/upvote', { back: '/中文' });
    assert.equal(up.statusCode, 303, up.body);
    assert.equal(up.headers.location, '/%E4%B8%AD%E6%96%87');
    for (const back of ['//evil.example', '/\\evil.example', '/.//evil.example', 'https://evil.example/']) {
      const r = await v.post('/papers/2603.20001/unvote', { back });
      assert.equal(r.headers.location, '/papers/2603.20001', back);
    }
  });

  test('sign-in refuses a non-ASCII address as subscribe does; nothing is mailed to it', async () => {
    const { app, mailer } = await build(db, {});
    apps.push(app);
    for (const email of ['ünsere@example.org', 'ada@exämple.org', 'ada@example.org\u0000', 'a\u202eb@example.org']) {
      const before = mailer.sent.length;
      const res = await new Visitor(app).post('/signin', { email });
      assert.equal(res.statusCode, 400, email);
      assert.match(res.body, /That is not an email address/);
      const sub = await new Visitor(app).post('/subscribe', { email });
      assert.equal(sub.statusCode, 400, `subscribe ${email}`);
      assert.equal(mailer.sent.length, before, email);
    }
  });

  test('signed-in pages are private, no-store; anonymous ones and the public feeds are not marked so', async () => {
    const { app, mailer } = await build(db, {});
    apps.push(app);
    const { v } = await signIn(app, mailer, 'cache@example.org');
    for (const url of ['/', '/papers/2603.20001', '/u/cache', '/submit', '/about']) {
      const res = await v.get(url);
      assert.equal(res.headers['cache-control'], 'private, no-store', url);
    }
    assert.notEqual((await new Visitor(app).get('/')).headers['cache-control'], 'private, no-store');
  });

  test('with SIGNUPS=closed a known address is answered without waiting for its mail, as an unknown one is', async () => {
    const { app, mailer, community } = await build(db, { SIGNUPS: 'closed' });
    apps.push(app);
    await community.accounts.createUser({ email: 'member@example.org', username: 'member' });
    // The mail cannot go out until released: the answer must not wait for it (its time told members apart).
    mailer.hold();
    const known = await new Visitor(app).post('/signin', { email: 'member@example.org' });
    const unknown = await new Visitor(app).post('/signin', { email: 'stranger@example.org' });
    assert.equal(known.statusCode, 200);
    assert.equal(unknown.statusCode, 200);
    const same = (body: string, email: string) => body.replaceAll(email, 'X').replace(/name="_csrf" value="[^"]+"/g, '');
    assert.equal(same(known.body, 'member@example.org'), same(unknown.body, 'stranger@example.org'));
    mailer.release();
    await waitFor(() => mailer.sent.length === 1, { what: "the member's sign-in mail" });
    assert.equal(mailer.sent[0].to, 'member@example.org');
  });
});
