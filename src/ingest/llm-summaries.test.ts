import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../config.js';
import { createSummaryModel, cleanAnswer, type SummaryModel } from './summary-model.js';
import { SUMMARY_RETRY_MS, summariseNext } from './llm-summaries.js';
import { summariesJob } from '../jobs/definitions.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { buildTestApp } from '../testing/test-app.js';
import { createPaperStore } from '../papers/store.js';
import { buildPaper } from '../papers/paper.js';
import { EXTRACTIVE, SUMMARY_MAX } from '../papers/summary.js';

// One-line summaries from a language model, against a loopback fake of an OpenAI-compatible
// chat-completions server (a real HTTP server): a normal answer, a slow one, a 500 then success,
// an over-long answer, garbage, the daily budget, repeated runs and two workers at once. The
// clock is the test's; the client's backoff waits are recorded, not slept.

const KEY = 'sk-test-summary-key-never-logged';
const MODEL = 'tiny-llm-q4';
const T0 = Date.parse('2026-05-20T12:00:00.000Z');

type Answer = { status?: number; body?: string; delayMs?: number; content?: string };

describe('one-line summaries from a language model', () => {
  let server: http.Server;
  let url: string;
  /** requests seen: the paper title each asked about, and the Authorization header */
  const seen: { title: string; authorization: string | undefined; model: string }[] = [];
  /** answers used before the normal one, in order */
  const queued: Answer[] = [];
  let defaultDelayMs = 0;

  before(async () => {
    server = http.createServer(async (req, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const body = JSON.parse(raw) as { model: string; messages: { role: string; content: string }[] };
      const title = /Title: (.*)/.exec(body.messages.at(-1)?.content ?? '')?.[1] ?? '';
      seen.push({ title, authorization: req.headers.authorization, model: body.model });
      const a = queued.shift() ?? {};
      const delay = a.delayMs ?? defaultDelayMs;
      if (delay) await new Promise((r) => setTimeout(r, delay));
      if (res.destroyed) return;
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
      res.end(
        a.body ??
          JSON.stringify({
            id: 'chatcmpl-1',
            object: 'chat.completion',
            model: body.model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: a.content ?? `Summary: "**${title}** is summarised in one sentence."\n` },
                finish_reason: 'stop',
              },
            ],
          }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    seen.length = 0;
    queued.length = 0;
    defaultDelayMs = 0;
  });

  function model(o: { timeoutMs?: number; waits?: number[] } = {}): SummaryModel {
    return createSummaryModel({
      url,
      model: MODEL,
      apiKey: KEY,
      timeoutMs: o.timeoutMs ?? 5000,
      backoffMs: 1000,
      maxRetries: 2,
      sleep: async (ms) => {
        o.waits?.push(ms);
      },
    });
  }

  test('answers are cleaned: quotes, "Summary:", markdown, line breaks, a reasoning block; cut at a word or rejected when over-long', () => {
    assert.equal(cleanAnswer('Summary: "**SparseNet** prunes attention heads."\n'), 'SparseNet prunes attention heads.');
    assert.equal(cleanAnswer('<think>the user wants</think>\n\n“We learn `tables` from\ntext.”'), 'We learn tables from text.');
    assert.equal(cleanAnswer('## TL;DR: A [benchmark](https://x.org) for agents. It has two parts.'), 'A benchmark for agents.');
    assert.equal(cleanAnswer('   \n""'), null);
    const long = `This paper ${'proposes a very long method '.repeat(12)}that never stops.`;
    const cut = cleanAnswer(long);
    assert.ok(cut && cut.length <= SUMMARY_MAX && cut.endsWith('…'), cut ?? '');
    assert.ok(long.startsWith(cut.slice(0, -1)), 'cut at a word, not rewritten');
    assert.equal(cleanAnswer('word '.repeat(200)), null, 'a rambling answer is rejected');
  });

  for (const dialect of DIALECTS) {
    describe(`the summaries job [${dialect}]`, () => {
      let db: TestDatabase;
      beforeEach(async () => {
        db = await freshDatabase(dialect);
      });
      afterEach(async () => db.destroy());

      /** n papers, the newest (highest id) published last */
      async function addPapers(n: number, first = 1) {
        await createPaperStore(db).upsertMany(
          Array.from({ length: n }, (_, i) => {
            const k = first + i;
            return buildPaper({
              id: `2605.${String(k).padStart(5, '0')}`,
              title: `Paper ${k}`,
              abstract: `Background on topic ${k}. We propose method ${k} for sparse attention. Results improve.`,
              publishedAt: new Date(T0 - 3600_000 * (100 - k)).toISOString(),
              updatedAt: new Date(T0 - 3600_000 * (100 - k)).toISOString(),
            });
          }),
        );
      }
      const tries = () => db.db.selectFrom('summary_tries').selectAll().orderBy('paper_id').execute();

      test('a normal answer is stored with the model and shown by the API and the paper page, newest paper first; a changed abstract is done again', async () => {
        await addPapers(2);
        const r = await summariseNext(db, model(), { owner: 'w1', dailyBudget: 100, now: () => T0 });
        assert.deepEqual(r, { status: 'done', paperId: '2605.00002', summary: 'Paper 2 is summarised in one sentence.' });
        assert.equal(seen[0].authorization, `Bearer ${KEY}`);
        assert.equal(seen[0].model, MODEL);
        const { app } = await buildTestApp({ database: db, config: loadConfig({ LOG_LEVEL: 'silent' }) });
        try {
          const done = (await app.inject('/api/papers/2605.00002')).json();
          assert.equal(done.paper?.ai_summary ?? done.ai_summary, 'Paper 2 is summarised in one sentence.');
          assert.equal(done.paper?.ai_summary_model ?? done.ai_summary_model, MODEL);
          const other = (await app.inject('/api/papers/2605.00001')).json();
          assert.equal(other.paper?.ai_summary_model ?? other.ai_summary_model, EXTRACTIVE);
          assert.equal(other.paper?.ai_summary ?? other.ai_summary, 'We propose method 1 for sparse attention.');
          const page = await app.inject('/papers/2605.00002');
          assert.match(page.body, new RegExp(`Summary by ${MODEL}</span> Paper 2 is summarised in one sentence\\.`));
          // A new version with another abstract: the stored sentence is not shown for it, and the job redoes it.
          await createPaperStore(db).upsertMany([
            buildPaper({
              id: '2605.00002',
              version: 2,
              title: 'Paper 2',
              abstract: 'We introduce a revised method for dense attention. It is faster.',
              publishedAt: new Date(T0 - 3600_000 * 98).toISOString(),
              updatedAt: new Date(T0).toISOString(),
            }),
          ]);
          const revised = (await app.inject('/api/papers/2605.00002')).json();
          assert.equal(revised.paper?.ai_summary_model ?? revised.ai_summary_model, EXTRACTIVE);
          queued.push({ content: 'A revised method for dense attention.' });
          assert.equal((await summariseNext(db, model(), { owner: 'w1', dailyBudget: 100, now: () => T0 })).status, 'done');
          const again = (await app.inject('/api/papers/2605.00002')).json();
          assert.equal(again.paper?.ai_summary ?? again.ai_summary, 'A revised method for dense attention.');
        } finally {
          await app.close();
        }
      });

      test('a slow answer times out; the paper is tried again later, not at once', async () => {
        await addPapers(1);
        queued.push({ delayMs: 1500 });
        let now = T0;
        const m = model({ timeoutMs: 300 });
        const r = await summariseNext(db, m, { owner: 'w1', dailyBudget: 100, now: () => now });
        assert.equal(r.status, 'failed');
        assert.ok(r.status === 'failed' && r.serverFault && /no answer within 300 ms/.test(r.error), JSON.stringify(r));
        assert.equal(seen.length, 1, 'a time-out is not retried at once');
        const [t] = await tries();
        assert.equal(Number(t.failures), 1);
        assert.equal(t.next_try_at, new Date(T0 + SUMMARY_RETRY_MS).toISOString());
        assert.equal(t.claimed_by, null);
        assert.deepEqual(await summariseNext(db, m, { owner: 'w1', dailyBudget: 100, now: () => now }), { status: 'idle' });
        now = T0 + SUMMARY_RETRY_MS;
        const later = await summariseNext(db, m, { owner: 'w1', dailyBudget: 100, now: () => now });
        assert.equal(later.status, 'done');
        assert.deepEqual(await tries(), [], 'a success clears the failures');
      });

      test('a 500 then success: retried with backoff within the try; a server that keeps failing pauses the job longer each time, never stops it', async () => {
        await addPapers(2);
        const waits: number[] = [];
        queued.push({ status: 500, body: '{"error":"loading model"}' });
        const r = await summariseNext(db, model({ waits }), { owner: 'w1', dailyBudget: 100, now: () => T0 });
        assert.equal(r.status, 'done');
        assert.deepEqual(waits, [1000]);
        assert.equal(seen.length, 2);

        // Down for good: each run fails, and the job waits longer before the next, up to a cap.
        const lines: string[] = [];
        const job = summariesJob(db, model({ waits }), { ratePerMinute: 6, dailyBudget: 100, owner: 'w1', now: () => T0 }, (l) => lines.push(l));
        for (let i = 0; i < 3; i++) queued.push({ status: 503 });
        const out = await job.run({ slot: 0, signal: new AbortController().signal } as never);
        assert.deepEqual(out, { nextInMs: 20_000 });
        assert.match(lines.join('\n'), /2605\.00001: summary model at 127\.0\.0\.1:\d+: HTTP 503 \(tried again later\)/);
        for (const l of lines) assert.ok(!l.includes(KEY), l);
        const [t] = await tries();
        assert.ok(!t.last_error?.includes(KEY));
        assert.match(t.last_error ?? '', /HTTP 503/);
      });

      test('an over-long answer is cut at a word; a rambling one and garbage JSON fail the paper (retried later), not the server', async () => {
        await addPapers(3);
        queued.push({ content: `We ${'propose a method that works on long documents and '.repeat(8)}ends here. Second sentence.` });
        const cut = await summariseNext(db, model(), { owner: 'w1', dailyBudget: 100, now: () => T0 });
        assert.ok(cut.status === 'done' && cut.summary.length <= SUMMARY_MAX && cut.summary.endsWith('…'), JSON.stringify(cut));
        queued.push({ content: 'tokens '.repeat(300) });
        const rambling = await summariseNext(db, model(), { owner: 'w1', dailyBudget: 100, now: () => T0 });
        assert.deepEqual(rambling.status === 'failed' && [rambling.paperId, rambling.serverFault], ['2605.00002', false]);
        queued.push({ body: '<html>Bad gateway</html>' });
        const garbage = await summariseNext(db, model(), { owner: 'w1', dailyBudget: 100, now: () => T0 });
        assert.deepEqual(garbage.status === 'failed' && [garbage.paperId, garbage.serverFault, garbage.error.includes('not JSON')], [
          '2605.00001',
          false,
          true,
        ]);
        queued.push({ body: '{"choices":[]}' });
        const empty = await summariseNext(db, model(), { owner: 'w1', dailyBudget: 100, now: () => T0 + SUMMARY_RETRY_MS });
        assert.ok(empty.status === 'failed' && /no choices/.test(empty.error), JSON.stringify(empty));
        const stored = await db.db.selectFrom('papers').select(['id', 'ai_summary']).where('ai_summary', 'is not', null).execute();
        assert.deepEqual(
          stored.map((s) => s.id),
          ['2605.00003'],
        );
      });

      test('the daily budget stops the job for the day; the next UTC day goes on', async () => {
        await addPapers(3);
        let now = T0;
        const lines: string[] = [];
        const job = summariesJob(db, model(), { ratePerMinute: 6, dailyBudget: 2, owner: 'w1', now: () => now }, (l) => lines.push(l));
        const run = () => job.run({ slot: 0, signal: new AbortController().signal } as never);
        assert.deepEqual(await run(), { nextInMs: 10_000 });
        assert.deepEqual(await run(), { nextInMs: 10_000 });
        const spent = await run();
        assert.equal(seen.length, 2, 'nothing asked once the budget is spent');
        // Until a second past midnight UTC (12 hours on).
        assert.deepEqual(spent, { nextInMs: 12 * 3600_000 + 1000 });
        assert.match(lines.join('\n'), /daily budget of 2 papers is spent/);
        assert.deepEqual(await tries(), [], 'the unspent claim is given back');
        now = T0 + 12 * 3600_000 + 1000;
        assert.deepEqual(await run(), { nextInMs: 10_000 });
        assert.deepEqual(
          seen.map((s) => s.title),
          ['Paper 3', 'Paper 2', 'Paper 1'],
        );
      });

      test('a repeated run does not redo papers; a change outside the abstract asks nothing; another model redoes them', async () => {
        await addPapers(2);
        const opts = { owner: 'w1', dailyBudget: 100, now: () => T0 };
        assert.equal((await summariseNext(db, model(), opts)).status, 'done');
        assert.equal((await summariseNext(db, model(), opts)).status, 'done');
        assert.deepEqual(await summariseNext(db, model(), opts), { status: 'idle' });
        assert.equal(seen.length, 2);
        // A new comment changes the paper's content hash but not its abstract.
        const p = await createPaperStore(db).get('2605.00001');
        assert.ok(p);
        await createPaperStore(db).upsertMany([{ ...buildPaper(), ...p, comments: '12 pages', updatedAt: new Date(T0).toISOString() }]);
        assert.deepEqual(await summariseNext(db, model(), opts), { status: 'idle' });
        assert.equal(seen.length, 2);
        const row = await db.db.selectFrom('papers').select(['ai_summary_seen', 'content_hash']).where('id', '=', '2605.00001').executeTakeFirstOrThrow();
        assert.equal(row.ai_summary_seen, row.content_hash);
        // Another SUMMARY_MODEL: the job does the papers again with it, newest first.
        const other = createSummaryModel({ url, model: 'bigger-llm', apiKey: '', timeoutMs: 5000 });
        const lines: string[] = [];
        const job = summariesJob(db, other, { ratePerMinute: 6, dailyBudget: 100, owner: 'w1', now: () => T0 }, (l) => lines.push(l));
        await job.run({ slot: 0, signal: new AbortController().signal } as never);
        assert.match(lines.join('\n'), /2 papers summarised by another model are done again with bigger-llm/);
        assert.deepEqual(
          seen.slice(2).map((s) => [s.title, s.model, s.authorization]),
          [['Paper 2', 'bigger-llm', undefined]],
        );
      });

      test('two workers at once summarise each paper once', async () => {
        await addPapers(12);
        defaultDelayMs = 15;
        const m = model();
        const worker = async (owner: string) => {
          let done = 0;
          for (;;) {
            const r = await summariseNext(db, m, { owner, dailyBudget: 100, now: () => T0 });
            if (r.status === 'idle') return done;
            assert.equal(r.status, 'done');
            done++;
          }
        };
        const [a, b] = await Promise.all([worker('w1'), worker('w2')]);
        assert.equal(a + b, 12);
        const titles = seen.map((s) => s.title).sort();
        assert.deepEqual(titles, [...new Set(titles)], 'no paper asked twice');
        assert.equal(titles.length, 12);
        assert.ok(a > 0 && b > 0, `both worked: ${a} and ${b}`);
      });
    });
  }
});
