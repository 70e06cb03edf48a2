import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ParsedMail } from 'mailparser';
import { loadConfig } from '../config.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { startTestSmtp, type TestSmtp } from '../testing/smtp.js';
import { REPO_ROOT } from '../testing/paths.js';
import { addPapers } from './fixtures.js';
import { createSubscriptionStore } from './subscriptions.js';

// Exactly once across crashes and concurrent senders: the real CLI in child processes, a real
// SMTP server, SIGKILL in the middle of a run.

const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli.js');
const SUBSCRIBERS = 30;
const recipient = (m: ParsedMail) => (m.to as { text: string }).text;

function counts(messages: ParsedMail[]): Map<string, number> {
  const c = new Map<string, number>();
  for (const m of messages) c.set(recipient(m), (c.get(recipient(m)) ?? 0) + 1);
  return c;
}

for (const dialect of DIALECTS) {
  describe(`[${dialect}] digest sending survives kills and concurrent runs`, () => {
    let db: TestDatabase;
    let smtp: TestSmtp;
    let env: NodeJS.ProcessEnv;
    // A fresh database, subscribers and mail server for each test: each counts every mail sent.
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      smtp = await startTestSmtp();
      await addPapers(db, [
        { id: '2605.10001', day: '2026-05-27', submitted: { day: '2026-05-27', upvotes: 5 } },
        { id: '2605.10002', day: '2026-05-26', submitted: { day: '2026-05-26', upvotes: 5 } },
      ]);
      const subs = createSubscriptionStore(db);
      for (let i = 0; i < SUBSCRIBERS; i++) await subs.createConfirmed(`s${i}@example.test`);
      env = {
        ...process.env,
        DATABASE_URL: db.url,
        SMTP_URL: smtp.url,
        DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'pb-crash-')),
        SESSION_SECRET: 'crash-test',
        BASE_URL: 'http://pb.test',
        DIGEST_CONCURRENCY: '1',
        LOG_LEVEL: 'silent',
      };
      loadConfig(env); // the child would refuse bad settings; fail here instead
    });
    afterEach(async () => {
      await smtp.close();
      await db.destroy();
    });

    const run = (date: string, extra: Record<string, string>) => {
      const child = spawn(process.execPath, [CLI, 'digest', 'send', '--date', date], { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal, out })),
      );
      return { child, done };
    };

    test('SIGKILL mid-run, then run again: everyone gets exactly one digest, at most two for the one in flight, none missed', async () => {
      const first = run('2026-05-28', { DIGEST_RATE: '20', DIGEST_LEASE_SECONDS: '1' });
      await smtp.waitFor(8, 60_000);
      first.child.kill('SIGKILL');
      const killed = await first.done;
      assert.equal(killed.signal, 'SIGKILL');
      const atKill = smtp.messages.length;
      assert.ok(atKill < SUBSCRIBERS, `the run was killed before it finished (${atKill} sent)`);
      // The claim of the digest in flight expires after DIGEST_LEASE_SECONDS: the expiry is what is
      // tested, so this wait is a fixed time.
      await new Promise((r) => setTimeout(r, 1200));
      const second = await run('2026-05-28', { DIGEST_RATE: '0', DIGEST_LEASE_SECONDS: '1' }).done;
      assert.equal(second.code, 0, second.out);
      const c = counts(smtp.messages);
      assert.equal(c.size, SUBSCRIBERS, 'none missed');
      const twice = [...c.entries()].filter(([, n]) => n > 1);
      assert.ok(twice.length <= 1 && twice.every(([, n]) => n === 2), `duplicates: ${JSON.stringify(twice)}`);
      // and a third run sends nothing
      const third = await run('2026-05-28', { DIGEST_RATE: '0' }).done;
      assert.equal(third.code, 0, third.out);
      assert.match(third.out, /sent 0, empty 0, already done 30/);
      assert.equal(smtp.messages.length, SUBSCRIBERS + twice.length);
    });

    test('two sender processes at once: each subscriber gets exactly one digest', async () => {
      const a = run('2026-05-27', { DIGEST_RATE: '40' });
      const b = run('2026-05-27', { DIGEST_RATE: '40' });
      const [ra, rb] = await Promise.all([a.done, b.done]);
      assert.equal(ra.code, 0, ra.out);
      assert.equal(rb.code, 0, rb.out);
      const c = counts(smtp.messages);
      assert.equal(c.size, SUBSCRIBERS);
      assert.deepEqual([...new Set(c.values())], [1]);
      const sent = [ra.out, rb.out].map((o) => Number(/sent (\d+)/.exec(o)![1]));
      assert.equal(sent[0] + sent[1], SUBSCRIBERS);
    });
  });
}
