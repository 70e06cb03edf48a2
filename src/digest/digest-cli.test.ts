import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase } from '../testing/databases.js';
import { REPO_ROOT } from '../testing/paths.js';
import { addPapers } from './fixtures.js';
import { createSubscriptionStore } from './subscriptions.js';

// `paperboy digest send|preview` as a user runs them, with the default outbox (no SMTP_URL).

const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli.js');

test('digest CLI: dry run sends nothing; send writes one .eml to the outbox, once; preview writes HTML; bad flags exit 2', async () => {
  const db = await freshDatabase('sqlite');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-digest-cli-'));
  try {
    await addPapers(db, [{ id: '2605.20001', day: '2026-05-27', title: 'The outbox paper', submitted: { day: '2026-05-27', upvotes: 3 } }]);
    const subs = createSubscriptionStore(db);
    const outcome = await subs.request('reader@example.test');
    assert.equal(outcome.kind, 'confirm');
    await subs.confirm((outcome as { token: string }).token);
    await subs.createConfirmed('pending-topics@example.test', { frequency: 'weekly', weekday: 0 });
    const env = { ...process.env, DATABASE_URL: db.url, DATA_DIR: dataDir, SMTP_URL: '', SESSION_SECRET: 's', LOG_LEVEL: 'silent' };
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
    const outbox = path.join(dataDir, 'outbox');

    const dry = cli('digest', 'send', '--date', '2026-05-28', '--dry-run');
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /reader@example\.test daily:2026-05-27: Trending papers \(1\)/);
    assert.match(dry.stdout, /dry run, nothing sent/);
    assert.equal(fs.existsSync(outbox), false);

    const sent = cli('digest', 'send', '--date', '2026-05-28');
    assert.equal(sent.status, 0, sent.stderr);
    assert.match(sent.stdout, /sent 1/);
    const files = fs.readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    assert.equal(files.length, 1);
    const eml = fs.readFileSync(path.join(outbox, files[0]), 'utf8');
    assert.match(eml, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
    assert.match(eml, /Subject: =\?UTF-8\?Q\?Paperboy_daily/);

    const again = cli('digest', 'send', '--date', '2026-05-28');
    assert.match(again.stdout, /sent 0, empty 0, already done 1/);
    assert.equal(fs.readdirSync(outbox).filter((f) => f.endsWith('.eml')).length, 1);

    const preview = cli('digest', 'preview', '--to', 'reader@example.test', '--date', '2026-05-28');
    assert.equal(preview.status, 0, preview.stderr);
    const file = preview.stdout.trim();
    assert.ok(file.endsWith('.html') && fs.readFileSync(file, 'utf8').includes('The outbox paper') === false, 'already sent papers are not previewed again');
    assert.match(preview.stderr, /daily:2026-05-27, 0 papers \(empty/);

    assert.equal(cli('digest', 'send', '--frequency', 'hourly').status, 2);
    assert.equal(cli('digest', 'preview').status, 2);
    assert.equal(cli('digest', 'bogus').status, 2);
  } finally {
    await db.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
