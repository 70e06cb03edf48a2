import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { ParsedMail } from 'mailparser';
import { buildTestApp } from '../testing/test-app.js';
import type { Config } from '../config.js';
import { createPaperStore } from '../papers/store.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { startTestSmtp, type TestSmtp } from '../testing/smtp.js';
import { digestTestConfig } from '../testing/digest-config.js';
import { addPapers } from './fixtures.js';
import type { DigestService } from './service.js';
import { digestMessageId } from './send.js';

// The whole path against a real SMTP server on loopback: subscribe, confirm, digest, headers,
// one-click unsubscribe, manage link, topics, no repeats, and SMTP failures.

const recipient = (m: ParsedMail) => (m.to as { text: string }).text;
const header = (m: ParsedMail, key: string) => m.headerLines.find((h) => h.key === key)?.line.replace(/^[^:]+:\s*/, '');

/** cookie jar of one: the CSRF cookie */
function cookieOf(res: { headers: Record<string, unknown> }): string {
  const sc = res.headers['set-cookie'];
  const all = Array.isArray(sc) ? sc : sc ? [String(sc)] : [];
  return all.map((c) => c.split(';')[0]).join('; ');
}
function csrfIn(body: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(body)![1];
}
function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

// Wednesday 2026-05-27 is the feed day; its daily digest goes out on Thursday 2026-05-28.
const DAY = '2026-05-27';
const SEND = '2026-05-28';

for (const dialect of DIALECTS) {
  describe(`[${dialect}] email digests`, () => {
    let db: TestDatabase;
    let smtp: TestSmtp;
    let app: FastifyInstance;
    let config: Config;
    let digest: DigestService;
    // A fresh database, mail server and app for each test: each counts the mails it sends and
    // sends to every subscriber, so it must not see another test's.
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      smtp = await startTestSmtp();
      config = digestTestConfig(db, smtp);
      await addPapers(db, [
        {
          id: '2605.00001',
          day: DAY,
          title: 'Trending <b>One</b> & friends',
          authors: ['Ada Lovelace', 'Alan Turing'],
          abstract: 'A '.repeat(300) + 'end.',
          submitted: { day: DAY, upvotes: 42 },
        },
        { id: '2605.00002', day: DAY, title: 'Trending Two: graph neural networks', submitted: { day: DAY, upvotes: 7 } },
        { id: '2605.00003', day: DAY, title: 'Hidden paper', submitted: { day: DAY, upvotes: 99, hidden: true } },
        { id: '2605.00004', day: DAY, title: 'Graph neural networks for proteins', categories: ['q-bio.BM'] },
        { id: '2605.00005', day: '2026-05-26', title: 'Yesterday graph neural network', submitted: { day: '2026-05-26', upvotes: 3 } },
        { id: '2605.00006', day: '2026-05-22', title: 'Last week', submitted: { day: '2026-05-25', upvotes: 1 } },
      ]);
      // The test sends with the app's own digest service, as the scheduler of the same process would.
      ({
        app,
        deps: { digests: digest },
      } = await buildTestApp({ config, database: db, papers: createPaperStore(db) }));
    });
    afterEach(async () => {
      digest.close();
      await app.close();
      await smtp.close();
      await db.destroy();
    });

    test('subscribe, confirm, receive one digest with headers; again sends nothing; one-click unsubscribe stops it', async () => {
      const page = await app.inject('/subscribe');
      assert.equal(page.statusCode, 200);
      const cookie = cookieOf(page);
      const csrf = csrfIn(page.body);
      // without the CSRF token: asked again, nothing sent
      const forged = await app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: 'ada@example.test' }) });
      assert.equal(forged.statusCode, 403);
      const post = await app.inject({
        method: 'POST',
        url: '/subscribe',
        headers: { ...FORM, cookie },
        payload: form({ email: 'Ada@Example.test', _csrf: csrf }),
      });
      assert.equal(post.statusCode, 200);
      assert.match(post.body, /Check your inbox/);
      const [confirmMail] = await smtp.waitFor(1);
      assert.equal(recipient(confirmMail), 'ada@example.test');
      const link = /http:\/\/pb\.test(\/subscribe\/confirm\/[A-Za-z0-9_-]+)/.exec(confirmMail.text!)![1];

      // pending: nothing is sent before confirmation
      const before = await digest.sender.send({ sendDate: SEND });
      assert.equal(before.sent, 0);
      assert.equal(smtp.messages.length, 1);

      // subscribing again answers the same and sends no second link within a minute
      const again = await app.inject({
        method: 'POST',
        url: '/subscribe',
        headers: { ...FORM, cookie },
        payload: form({ email: 'ada@example.test', _csrf: csrf }),
      });
      const fresh = await app.inject({
        method: 'POST',
        url: '/subscribe',
        headers: { ...FORM, cookie },
        payload: form({ email: 'nobody@example.test', _csrf: csrf }),
      });
      assert.equal(again.statusCode, 200);
      assert.equal(again.body.replace('ada@example.test', 'X'), fresh.body.replace('nobody@example.test', 'X'));
      await smtp.waitFor(2);
      await smtp.idle();
      assert.deepEqual(smtp.messages.map(recipient), ['ada@example.test', 'nobody@example.test']);

      // confirm: GET shows a button, POST confirms, the link works once
      const show = await app.inject({ url: link, headers: { cookie } });
      assert.equal(show.statusCode, 200);
      const ok = await app.inject({ method: 'POST', url: link, headers: { ...FORM, cookie }, payload: form({ _csrf: csrfIn(show.body) }) });
      assert.equal(ok.statusCode, 200);
      assert.match(ok.body, /You are subscribed/);
      const twice = await app.inject({ method: 'POST', url: link, headers: { ...FORM, cookie }, payload: form({ _csrf: csrfIn(show.body) }) });
      assert.equal(twice.statusCode, 410);

      const r1 = await digest.sender.send({ sendDate: SEND });
      assert.equal(r1.sent, 1);
      assert.deepEqual(r1.periods, ['daily:2026-05-27', 'weekly:2026-05-21..2026-05-27'], 'Thursday: daily, and weekly for Thursday subscribers');
      const all = await smtp.waitFor(3);
      const mail = all[2];
      assert.equal(recipient(mail), 'ada@example.test');
      const sub = (await digest.subscriptions.getByEmail('ada@example.test'))!;
      assert.equal(mail.messageId, digestMessageId(sub.id, 'daily:2026-05-27', config.mailFrom));
      assert.match(mail.subject!, /^Paperboy daily · May 27, 2026: Trending <b>One<\/b> & friends/);
      // content: the period's visible trending papers, best first, linked, with authors and upvotes
      const html = String(mail.html);
      assert.ok(html.indexOf('Trending &lt;b&gt;One&lt;/b&gt; &amp; friends') < html.indexOf('Trending Two'));
      assert.match(html, /href="http:\/\/pb\.test\/papers\/2605\.00001"/);
      assert.match(html, /Ada Lovelace, Alan Turing/);
      assert.match(html, /▲ 42 upvotes/);
      assert.doesNotMatch(html, /Hidden paper|Yesterday graph/);
      assert.match(html, /<table role="presentation"/);
      assert.match(
        mail.text!,
        /1\. Trending <b>One<\/b> & friends\n {3}http:\/\/pb\.test\/papers\/2605\.00001\n {3}Ada Lovelace, Alan Turing · ▲ 42 upvotes\n {3}(A ){50,}/,
      );
      assert.ok(mail.text!.split('\n').find((l) => l.startsWith('   A A'))!.length < 180, 'excerpt is about two lines');
      // RFC 8058 headers
      const unsub = header(mail, 'list-unsubscribe')!;
      assert.match(unsub, /^<http:\/\/pb\.test\/api\/digest\/unsubscribe\/[A-Za-z0-9_.-]+>$/);
      assert.equal(header(mail, 'list-unsubscribe-post'), 'List-Unsubscribe=One-Click');

      // a second run, and a run for the same date, send nothing more
      const r2 = await digest.sender.send({ sendDate: SEND });
      assert.deepEqual([r2.sent, r2.skipped], [0, 1]);
      await smtp.idle();
      assert.equal(smtp.messages.length, 3);

      // the manage link works without signing in and cannot be used for another address
      const manage = /http:\/\/pb\.test(\/digest\/manage\/[A-Za-z0-9_.-]+)/.exec(mail.text!)![1];
      const mg = await app.inject(manage);
      assert.equal(mg.statusCode, 200);
      assert.match(mg.body, /ada@example\.test/);
      await digest.subscriptions.createConfirmed('eve@example.test');
      const eve = (await digest.subscriptions.getByEmail('eve@example.test'))!;
      const forgedManage = manage.replace(sub.id, eve.id);
      assert.equal((await app.inject(forgedManage)).statusCode, 404);
      const save = await app.inject({
        method: 'POST',
        url: forgedManage,
        headers: { ...FORM, cookie: cookieOf(mg) },
        payload: form({ _csrf: csrfIn(mg.body), action: 'unsubscribe' }),
      });
      assert.equal(save.statusCode, 404);
      assert.equal((await digest.subscriptions.get(eve.id))!.status, 'active');
      // the form needs its CSRF token
      const noCsrf = await app.inject({ method: 'POST', url: manage, headers: FORM, payload: form({ action: 'unsubscribe' }) });
      assert.equal(noCsrf.statusCode, 403);
      assert.equal((await digest.subscriptions.get(sub.id))!.status, 'active');

      // one-click: a POST of List-Unsubscribe=One-Click, no cookies, unsubscribes
      const path1 = unsub.slice('<http://pb.test'.length, -1);
      const one = await app.inject({ method: 'POST', url: path1, headers: FORM, payload: 'List-Unsubscribe=One-Click' });
      assert.equal(one.statusCode, 200);
      assert.equal((await digest.subscriptions.get(sub.id))!.status, 'unsubscribed');
      const opened = await app.inject(path1);
      assert.equal(opened.statusCode, 303);
      assert.equal((await app.inject(opened.headers.location as string)).statusCode, 200);
      const multipart = await app.inject({
        method: 'POST',
        url: path1,
        headers: { 'content-type': 'multipart/form-data; boundary=X' },
        payload: '--X\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--X--\r\n',
      });
      assert.equal(multipart.statusCode, 200);
      const next = await digest.sender.send({ sendDate: '2026-05-29', to: 'ada@example.test' });
      assert.equal(next.sent, 0);
    });

    test('topics select new papers of the period; no paper twice in one digest or across digests', async () => {
      const s = await digest.subscriptions.createConfirmed('topics@example.test', { trendingCount: 1 });
      await digest.subscriptions.addTopic(s.id, { query: 'graph neural network', categories: [] });
      await digest.subscriptions.addTopic(s.id, { query: 'proteins', categories: ['q-bio.BM'] });
      const n = smtp.messages.length;
      const r = await digest.sender.send({ sendDate: SEND, to: 'topics@example.test' });
      assert.equal(r.sent, 1);
      const [mail] = (await smtp.waitFor(n + 1)).slice(n);
      const ids = [...String(mail.html).matchAll(/papers\/(2605\.\d+)"/g)].map((m) => m[1]);
      // trending top 1; topic 1: 00004 and 00002 (new in the period, also trending #2; newest first); topic 2 adds nothing new
      assert.deepEqual(ids, ['2605.00001', '2605.00004', '2605.00002']);
      assert.match(mail.text!, /Topic: graph neural network/);
      assert.doesNotMatch(mail.text!, /Topic: proteins/, 'a section whose papers were all shown is left out');
      // the weekly digest covering the same days brings none of them again
      await digest.subscriptions.setPreferences(s.id, { frequency: 'weekly', weekday: 4, trendingCount: 10 });
      const w = await digest.sender.send({ sendDate: SEND, to: 'topics@example.test', frequencies: ['weekly'] });
      assert.equal(w.sent, 1);
      const [weekly] = (await smtp.waitFor(n + 2)).slice(n + 1);
      const wids = [...String(weekly.html).matchAll(/papers\/(2605\.\d+)"/g)].map((m) => m[1]);
      assert.deepEqual(wids, ['2605.00005', '2605.00006'], 'only the papers not sent before');
      // an empty digest is not sent
      const e = await digest.sender.send({ sendDate: '2026-06-04', to: 'topics@example.test', frequencies: ['weekly'] });
      assert.deepEqual([e.sent, e.empty], [0, 1]);
    });

    test('SMTP failures: 451 and a dropped connection are retried; 550 counts, and 3 in a row suspend', async () => {
      const a = await digest.subscriptions.createConfirmed('retry@example.test');
      const n = smtp.messages.length;
      smtp.failNext({ kind: 'reply', code: 451 });
      smtp.failNext({ kind: 'drop' });
      const r = await digest.sender.send({ sendDate: SEND, to: 'retry@example.test' });
      assert.deepEqual([r.sent, r.failed, r.deferred], [1, 0, 0]);
      await smtp.waitFor(n + 1);
      assert.equal(smtp.messages.filter((m) => recipient(m) === 'retry@example.test').length, 1);
      // temporary failures beyond the attempts leave it for the next run, which delivers it once
      smtp.failNext({ kind: 'reply', code: 451 }, 4);
      const b = await digest.subscriptions.createConfirmed('later@example.test');
      const d1 = await digest.sender.send({ sendDate: SEND, to: 'later@example.test' });
      assert.deepEqual([d1.sent, d1.deferred], [0, 1]);
      const d2 = await digest.sender.send({ sendDate: SEND, to: 'later@example.test' });
      assert.deepEqual([d2.sent, d2.deferred], [1, 0]);
      assert.equal((await digest.subscriptions.get(b.id))!.consecutiveFailures, 0);
      // permanent failures: counted, not retried, suspended after the third in a row
      const c = await digest.subscriptions.createConfirmed('bounce@example.test');
      const days = ['2026-05-26', '2026-05-27', '2026-05-28'];
      for (const [i, day] of days.entries()) {
        smtp.failNext({ kind: 'reply', code: 550 });
        const f = await digest.sender.send({ sendDate: day, to: 'bounce@example.test' });
        assert.deepEqual([f.sent, f.failed], [0, 1]);
        assert.equal((await digest.subscriptions.get(c.id))!.consecutiveFailures, i + 1);
      }
      assert.equal((await digest.subscriptions.get(c.id))!.status, 'suspended');
      const after = await digest.sender.send({ sendDate: '2026-05-29', to: 'bounce@example.test' });
      assert.equal(after.sent + after.failed, 0);
      assert.equal(smtp.messages.filter((m) => recipient(m) === 'bounce@example.test').length, 0);
      assert.equal((await digest.subscriptions.get(a.id))!.status, 'active');
    });

    test('the scheduler hook sends from DIGEST_HOUR (8) in FEED_TIMEZONE on, and only once', async () => {
      await digest.subscriptions.createConfirmed('hook@example.test');
      // 2026-05-29 07:59 in New York: too early
      assert.equal(await digest.runDue(new Date('2026-05-29T11:59:00Z')), null);
      const n = smtp.messages.length;
      const r = await digest.runDue(new Date('2026-05-29T12:00:00Z'));
      assert.deepEqual(r?.periods, ['daily:2026-05-28', 'weekly:2026-05-22..2026-05-28']);
      const again = await digest.runDue(new Date('2026-05-29T15:00:00Z'));
      assert.equal(again?.sent, 0);
      await smtp.idle();
      // 2026-05-28 has no submissions in these fixtures: the digests are empty and not sent
      assert.equal(smtp.messages.length, n + (r?.sent ?? 0));
      assert.equal(r?.sent, 0);
      assert.ok((r?.empty ?? 0) >= 1);
    });

    test('subscribe requests are rate-limited per address and per client (429)', async () => {
      const page = await app.inject('/subscribe');
      const cookie = cookieOf(page);
      const csrf = csrfIn(page.body);
      const post = (email: string, ip: string) =>
        app.inject({ method: 'POST', url: '/subscribe', remoteAddress: ip, headers: { ...FORM, cookie }, payload: form({ email, _csrf: csrf }) });
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await post('same@example.test', `10.0.0.${i + 1}`)).statusCode);
      assert.deepEqual(codes, [200, 200, 200, 429]);
      const perClient = [];
      for (let i = 0; i < 21; i++) perClient.push((await post(`c${i}@example.test`, '10.9.9.9')).statusCode);
      assert.deepEqual(perClient.slice(19), [200, 429]);
    });
  });
}
