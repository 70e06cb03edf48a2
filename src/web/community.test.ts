import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildTestApp } from '../testing/test-app.js';
import { loadConfig } from '../config.js';
import { createPaperStore } from '../papers/store.js';
import { buildPaper } from '../papers/paper.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { startTestSmtp, type TestSmtp } from '../testing/smtp.js';
import { createSubscriptionStore } from '../digest/subscriptions.js';
import type { Community } from '../community/community.js';

// The community over HTTP (app.inject), with mail going to a real SMTP server on loopback.

const recent = new Date(Date.now() - 2 * 86_400_000).toISOString();

/** A browser-like cookie jar over inject. */
class Visitor {
  cookies = new Map<string, string>();
  // Each visitor comes from its own address (X-Forwarded-For from the trusted proxy, TRUST_PROXY below), as in life.
  ip = `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
  constructor(private app: FastifyInstance) {}
  private keep(res: LightMyRequestResponse) {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number }[]) {
      if (c.value === '' || c.maxAge === 0) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }
  get cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async get(url: string, headers: Record<string, string> = {}) {
    return this.keep(await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader, 'x-forwarded-for': this.ip, ...headers } }));
  }
  async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        payload: new URLSearchParams(form).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader, 'x-forwarded-for': this.ip, ...headers },
      }),
    );
  }
  /** the CSRF token of the first form on a page */
  async csrf(url = '/signin'): Promise<string> {
    const res = await this.get(url);
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    assert.ok(m, `no CSRF field on ${url}`);
    return m[1];
  }
  async postForm(url: string, form: Record<string, string>, page = '/signin') {
    return this.post(url, { _csrf: await this.csrf(page), ...form });
  }
}

for (const dialect of DIALECTS)
  describe(`[${dialect}] community over HTTP`, () => {
    let db: TestDatabase;
    let app: FastifyInstance;
    let smtp: TestSmtp;
    let community: Community;

    async function signIn(email: string): Promise<Visitor> {
      const v = new Visitor(app);
      const before = smtp.messages.length;
      const res = await v.postForm('/signin', { email });
      assert.equal(res.statusCode, 200, res.body);
      const [mail] = (await smtp.waitFor(before + 1)).slice(before);
      assert.equal(mail.to && 'text' in mail.to ? mail.to.text : '', email);
      const link = /(http:\/\/paperboy\.test\/signin\/confirm\?token=\S+)/.exec(mail.text ?? '')?.[1];
      assert.ok(link, mail.text);
      const url = link.replace('http://paperboy.test', '');
      const confirm = await v.get(url);
      assert.equal(confirm.statusCode, 200);
      const token = /name="token" value="([^"]+)"/.exec(confirm.body)![1];
      const csrf = /name="_csrf" value="([^"]+)"/.exec(confirm.body)![1];
      const done = await v.post('/signin/confirm', { _csrf: csrf, token, next: '/' });
      assert.equal(done.statusCode, 303, done.body);
      return v;
    }

    /** Signs in and makes the member a curator (roles are read on each request). */
    async function signInCurator(email: string): Promise<Visitor> {
      const v = await signIn(email);
      await community.accounts.setRole((await community.accounts.getByEmail(email))!.id, 'curator');
      return v;
    }

    before(async () => {
      db = await freshDatabase(dialect);
      smtp = await startTestSmtp();
      const papers = createPaperStore(db);
      await papers.upsertMany([
        buildPaper({ id: '2603.10001', title: 'Attention Is Still All You Need', publishedAt: recent, updatedAt: recent }),
        buildPaper({ id: '2603.10002', title: 'Second paper', publishedAt: recent, updatedAt: recent }),
        buildPaper({ id: '2603.10003', title: 'Third paper', publishedAt: recent, updatedAt: recent }),
      ]);
      const config = loadConfig({
        LOG_LEVEL: 'silent',
        SMTP_URL: smtp.url,
        BASE_URL: 'http://paperboy.test',
        SESSION_SECRET: 'test-secret',
        SIGNIN_EMAIL_RATE_LIMIT: '3',
        // inject()'s peer: as behind a reverse proxy on this host, X-Forwarded-For names the visitor.
        TRUST_PROXY: '127.0.0.1',
      });
      // SMTP_URL points the app's one mailer at the test SMTP peer.
      const built = await buildTestApp({ config, database: db, papers });
      ({ app } = built);
      community = built.deps.community;
    });
    after(async () => {
      await app.close();
      await smtp.close();
      await db.destroy();
    });

    test('a form POST without a valid CSRF token is refused with 403', async () => {
      const v = new Visitor(app);
      assert.equal((await v.post('/signin', { email: 'a@example.org' })).statusCode, 403);
      await v.csrf();
      assert.equal((await v.post('/signin', { email: 'a@example.org', _csrf: 'forged' })).statusCode, 403);
      // a token from another visitor's cookie does not fit this one
      const other = await new Visitor(app).csrf();
      assert.equal((await v.post('/signin', { email: 'a@example.org', _csrf: other })).statusCode, 403);
      assert.equal((await v.post('/signout', {})).statusCode, 403);
    });

    test('sign in by emailed link: the session cookie is HttpOnly, SameSite=Lax; the link works once', async () => {
      const v = new Visitor(app);
      await v.postForm('/signin', { email: 'Ada@Example.org' });
      const mail = (await smtp.waitFor(1)).at(-1)!;
      assert.equal(mail.subject, 'Your Paperboy sign-in link');
      const link = /http:\/\/paperboy\.test(\/signin\/confirm\?token=\S+)/.exec(mail.text ?? '')![1];
      const page = await v.get(link);
      const token = /name="token" value="([^"]+)"/.exec(page.body)![1];
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
      const res = await v.post('/signin/confirm', { _csrf: csrf, token }, { 'x-forwarded-proto': 'https' });
      assert.equal(res.statusCode, 303);
      const cookie = String(res.headers['set-cookie']);
      assert.match(cookie, /pb_session=[^;]+;.*HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      assert.match(cookie, /Secure/, 'Secure over HTTPS');
      const home = await v.get('/u/ada');
      assert.equal(home.statusCode, 200);
      assert.match(home.body, /API tokens/);
      const again = await new Visitor(app).post('/signin/confirm', { _csrf: await new Visitor(app).csrf(), token });
      assert.equal(again.statusCode, 403, 'other visitor without its own cookie');
      const w = new Visitor(app);
      const reuse = await w.post('/signin/confirm', { _csrf: await w.csrf(), token });
      assert.equal(reuse.statusCode, 400);
      assert.match(reuse.body, /already used or expired/);
      // over plain HTTP the cookie is not marked Secure
      const plain = await signIn('plain@example.org');
      assert.ok(plain.cookies.has('pb_session'));
    });

    test('submit, upvote without reload (JSON) and with a form, comment; all on the paper page and profile', async () => {
      const v = await signIn('grace@example.org');
      const form = await v.get('/submit');
      assert.equal(form.statusCode, 200);
      const res = await v.postForm(
        '/submit',
        { paper: 'https://arxiv.org/abs/2603.10001v1', comment: 'Read this', github_repo: 'https://github.com/x/y' },
        '/submit',
      );
      assert.equal(res.statusCode, 303, res.body);
      assert.equal(res.headers.location, '/papers/2603.10001');
      const dup = await v.postForm('/submit', { paper: '2603.10001' }, '/submit');
      assert.equal(dup.statusCode, 409);
      assert.match(dup.body, /already featured/);
      const bad = await v.postForm('/submit', { paper: '2603.10002', project_page: 'javascript:alert(1)' }, '/submit');
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /http/);

      const csrf = await v.csrf('/papers/2603.10001');
      const up = await v.post('/papers/2603.10001/upvote', { _csrf: csrf }, { accept: 'application/json' });
      assert.deepEqual(up.json(), { paperId: '2603.10001', upvotes: 1, voted: true });
      const again = await v.post('/papers/2603.10001/upvote', { _csrf: csrf, back: '/papers/2603.10001' });
      assert.equal(again.statusCode, 303);
      assert.equal(again.headers.location, '/papers/2603.10001');
      assert.equal((await community.submissions.get('2603.10001'))?.upvotes, 1);

      const c = await v.post('/papers/2603.10001/comments', { _csrf: csrf, body: 'Great **paper** with $O(n^2)$ attention' });
      assert.equal(c.statusCode, 303);
      const page = await v.get('/papers/2603.10001');
      assert.match(page.body, /<strong>paper<\/strong> with \$O\(n\^2\)\$ attention/);
      assert.match(page.body, /class="votes voted"/);
      assert.match(page.body, /Featured on <a href="\/papers\/date\/\d{4}-\d\d-\d\d">/);
      assert.match(page.body, /<blockquote class="submitter-comment">Read this<\/blockquote>/);
      assert.match(page.body, /@misc\{lovelace\d{4}attention/);
      assert.equal((await v.postForm('/account/profile', { display_name: '  Grace  <Hopper> ' }, '/u/grace')).statusCode, 303);
      const profile = await v.get('/u/grace');
      assert.match(profile.body, /<h1>Grace &lt;Hopper&gt;<\/h1>/);
      assert.match(profile.body, /Submitted papers \(1\)/);
      assert.match(profile.body, /Upvoted papers \(1\)/);
      const anon = await new Visitor(app).get('/papers/2603.10001');
      assert.match(anon.body, /Sign in<\/a> to comment/);
    });

    test('your own profile offers the email digest, and links to its manage page once subscribed', async () => {
      const v = await signIn('linus@example.org');
      const mine = await v.get('/u/linus');
      assert.match(mine.body, /<h2 id="digest">Email digest<\/h2>/);
      assert.match(
        mine.body,
        /<form method="post" action="\/subscribe"[^>]*><input type="hidden" name="_csrf"[^>]*><input type="hidden" name="email" value="linus@example.org">/,
      );
      const before = smtp.messages.length;
      assert.equal((await v.postForm('/subscribe', { email: 'linus@example.org' }, '/u/linus')).statusCode, 200);
      const [mail] = (await smtp.waitFor(before + 1)).slice(before);
      assert.match(mail.text ?? '', /\/subscribe\/confirm\//);
      // Others do not see it on your profile.
      assert.doesNotMatch((await new Visitor(app).get('/u/linus')).body, /id="digest"/);

      const k = await signIn('ken@example.org');
      await createSubscriptionStore(db).createConfirmed('ken@example.org', { frequency: 'weekly' });
      const profile = await k.get('/u/ken');
      const manage = /You get the weekly digest at ken@example.org\. <a href="http:\/\/paperboy\.test(\/digest\/manage\/[^"]+)"/.exec(profile.body);
      assert.ok(manage, profile.body.slice(profile.body.indexOf('id="digest"'), profile.body.indexOf('id="digest"') + 400));
      const page = await new Visitor(app).get(manage[1]);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /ken@example\.org/);
    });

    test('comments with <script>, <img onerror> and javascript: links render inert', async () => {
      const v = await signIn('mallory@example.org');
      const csrf = await v.csrf('/papers/2603.10002');
      await v.post('/papers/2603.10002/comments', {
        _csrf: csrf,
        body: '<script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3)) <a href="javascript:alert(4)">x</a>',
      });
      const body = (await v.get('/papers/2603.10002')).body;
      assert.ok(!body.includes('<script>alert'), 'script tag');
      assert.ok(!body.includes('<img src=x'), 'img tag');
      assert.ok(!/href="javascript:/i.test(body), 'javascript: href');
      assert.ok(body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    });

    test("a member cannot hide or edit others' comments; a curator can hide", async () => {
      const author = await signIn('author@example.org');
      const csrf = await author.csrf('/papers/2603.10003');
      const made = await author.post('/papers/2603.10003/comments', { _csrf: csrf, body: 'mine' });
      const id = /#comment-(\d+)/.exec(String(made.headers.location))![1];
      const member = await signIn('member@example.org');
      const mc = await member.csrf('/papers/2603.10003');
      assert.equal((await member.post(`/comments/${id}/hide`, { _csrf: mc })).statusCode, 403);
      assert.equal((await member.post(`/comments/${id}/edit`, { _csrf: mc, body: 'hijacked' })).statusCode, 403);
      assert.equal((await member.post(`/comments/${id}/delete`, { _csrf: mc })).statusCode, 403);
      assert.equal((await community.comments.get(Number(id)))?.hidden, false);
      const boss = await community.accounts.getByEmail('member@example.org');
      await community.accounts.setRole(boss!.id, 'curator');
      assert.equal((await member.post(`/comments/${id}/hide`, { _csrf: mc })).statusCode, 303);
      assert.equal((await community.comments.get(Number(id)))?.hidden, true);
      const anonPage = await new Visitor(app).get('/papers/2603.10003');
      assert.match(anonPage.body, /\[hidden by a curator\]/);
      assert.ok(!anonPage.body.includes('<p>mine</p>'));
      // the author edits their own comment
      const ac = await author.csrf('/papers/2603.10003');
      assert.equal((await author.post(`/comments/${id}/edit`, { _csrf: ac, body: 'mine, edited' })).statusCode, 303);
    });

    test('author claims: claim a slot, a curator approves, it shows on the profile', async () => {
      const v = await signIn('turing@example.org');
      const csrf = await v.csrf('/papers/2603.10002');
      assert.equal((await v.post('/papers/2603.10002/claims', { _csrf: csrf, author_index: '1' })).statusCode, 303);
      const curator = await signInCurator('curator@example.org');
      const queue = await curator.get('/claims');
      assert.match(queue.body, /claims to be <strong>Alan Turing<\/strong>/);
      const claimId = /\/claims\/(\d+)\/approve/.exec(queue.body)![1];
      assert.equal((await v.post(`/claims/${claimId}/approve`, { _csrf: csrf })).statusCode, 403);
      assert.equal((await curator.post(`/claims/${claimId}/approve`, { _csrf: await curator.csrf('/claims') })).statusCode, 303);
      const profile = await v.get('/u/turing');
      assert.match(profile.body, /Claimed papers \(1\)/);
    });

    test('API tokens: created on the profile, Bearer submit and upvote, JSON errors', async () => {
      const v = await signIn('bot@example.org');
      const res = await v.postForm('/account/tokens', { name: 'ci' }, '/u/bot');
      const token = /<code id="new-token">([^<]+)<\/code>/.exec(res.body)![1];
      const noAuth = await app.inject({ method: 'POST', url: '/api/papers/submit', payload: { arxivId: '2603.10003' } });
      assert.equal(noAuth.statusCode, 401);
      assert.match(noAuth.json().message, /^community: /);
      const auth = { authorization: `Bearer ${token}` };
      const sub = await app.inject({ method: 'POST', url: '/api/papers/submit', headers: auth, payload: { arxivId: '2603.10003', comment: 'via API' } });
      assert.equal(sub.statusCode, 201, sub.body);
      assert.equal(sub.json().paper.id, '2603.10003');
      assert.deepEqual(sub.json().submittedBy, { user: 'bot' });
      const dup = await app.inject({ method: 'POST', url: '/api/papers/submit', headers: auth, payload: { arxivId: '2603.10003' } });
      assert.equal(dup.statusCode, 409);
      assert.match(dup.json().message, /already featured/);
      const bad = await app.inject({ method: 'POST', url: '/api/papers/submit', headers: auth, payload: { nope: 1 } });
      assert.equal(bad.statusCode, 400);
      const up = await app.inject({ method: 'POST', url: '/api/papers/2603.10003/upvote', headers: auth });
      assert.deepEqual(up.json(), { paper: { id: '2603.10003', upvotes: 1 }, upvoted: true });
      const down = await app.inject({ method: 'DELETE', url: '/api/papers/2603.10003/upvote', headers: auth });
      assert.deepEqual(down.json(), { paper: { id: '2603.10003', upvotes: 0 }, upvoted: false });
      const missing = await app.inject({ method: 'POST', url: '/api/papers/2603.99999/upvote', headers: auth });
      assert.equal(missing.statusCode, 404);
      // cookies alone do not authenticate the API
      const cookieOnly = await app.inject({ method: 'POST', url: '/api/papers/2603.10003/upvote', headers: { cookie: v.cookieHeader } });
      assert.equal(cookieOnly.statusCode, 401);
    });

    test('curators unfeature a submission; members cannot', async () => {
      // A paper of its own, featured here, so that the test does not depend on another's submission.
      await createPaperStore(db).upsertMany([buildPaper({ id: '2603.10011', publishedAt: recent, updatedAt: recent })]);
      const member = await signIn('plain@example.org');
      await community.submissions.submit((await community.accounts.getByEmail('plain@example.org'))!, { paper: '2603.10011' });
      const mc = await member.csrf('/papers/2603.10011');
      assert.equal((await member.post('/papers/2603.10011/unfeature', { _csrf: mc })).statusCode, 403);
      const curator = await signInCurator('curator@example.org');
      const cc = await curator.csrf('/papers/2603.10011');
      assert.match((await curator.get('/papers/2603.10011')).body, /Unfeature<\/button>/);
      assert.equal((await curator.post('/papers/2603.10011/unfeature', { _csrf: cc })).statusCode, 303);
      assert.equal((await community.submissions.get('2603.10011'))?.hidden, true);
      assert.equal((await curator.post('/papers/2603.10011/feature', { _csrf: cc })).statusCode, 303);
      assert.equal((await community.submissions.get('2603.10011'))?.hidden, false);
    });

    test('the daily submission cap answers 429 with its message', async () => {
      const v = await signIn('eager@example.org');
      const ids = ['2603.10004', '2603.10005', '2603.10006', '2603.10007', '2603.10008', '2603.10009'];
      await createPaperStore(db).upsertMany(ids.map((id) => buildPaper({ id, publishedAt: recent, updatedAt: recent })));
      const codes: number[] = [];
      for (const id of ids) codes.push((await v.postForm('/submit', { paper: id }, '/submit')).statusCode);
      assert.deepEqual(codes, [303, 303, 303, 303, 303, 429]);
      const last = await v.postForm('/submit', { paper: '2603.10009' }, '/submit');
      assert.match(last.body, /you have submitted 5 papers today/i);
    });

    test('BibTeX at /papers/:id/bibtex', async () => {
      const res = await app.inject('/papers/2603.10001/bibtex');
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /text\/plain/);
      assert.match(res.body, /^@misc\{lovelace\d{4}attention,\n {2}title {9}= \{Attention Is Still All You Need\},/);
      assert.match(res.body, /eprint {8}= \{2603\.10001\}/);
    });

    test('rate limits answer 429: sign-in requests per client address', async () => {
      const v = new Visitor(app);
      const csrf = await v.csrf();
      const codes: number[] = [];
      for (let i = 0; i < 11; i++) codes.push((await v.post('/signin', { _csrf: csrf, email: `someone${i}@example.org` })).statusCode);
      assert.deepEqual(codes, [...Array(10).fill(200), 429]);
    });

    test('rate limits answer 429: sign-in requests per email address', async () => {
      const v = new Visitor(app);
      const csrf = await v.csrf();
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await v.post('/signin', { _csrf: csrf, email: 'flood@example.org' })).statusCode);
      assert.deepEqual(codes, [200, 200, 200, 429, 429]);
      const last = await v.post('/signin', { _csrf: csrf, email: 'flood@example.org' });
      assert.ok(Number(last.headers['retry-after']) > 0);
      assert.match(last.body, /Too many sign-in requests/);
    });

    test('signing out ends the session', async () => {
      const v = await signIn('leaver@example.org');
      assert.match((await v.get('/submit')).body, /Submit a paper/);
      const out = await v.postForm('/signout', {}, '/submit');
      assert.equal(out.statusCode, 303);
      const after = await v.get('/submit');
      assert.equal(after.statusCode, 303);
      assert.match(String(after.headers.location), /^\/signin\?next=%2Fsubmit/);
    });
  });
