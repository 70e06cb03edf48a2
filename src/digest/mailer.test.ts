import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMailer, isTemporaryMailError } from './mailer.js';
import { startTestSmtp } from '../testing/smtp.js';

test('sends over a real SMTP conversation with custom headers and Message-ID', async () => {
  const smtp = await startTestSmtp();
  const mailer = createMailer({ smtpUrl: smtp.url, from: 'Paperboy <pb@example.test>', dataDir: os.tmpdir() });
  try {
    await mailer.send({
      to: 'ada@example.test',
      subject: 'Hello <world>',
      text: 'plain body',
      html: '<p>html body</p>',
      headers: { 'List-Unsubscribe': '<https://x.test/u>' },
      messageId: '<fixed@example.test>',
    });
    const [m] = await smtp.waitFor(1);
    assert.equal(m.subject, 'Hello <world>');
    assert.equal(m.text?.trim(), 'plain body');
    assert.equal(m.messageId, '<fixed@example.test>');
    assert.equal(m.headerLines.find((h) => h.key === 'list-unsubscribe')?.line, 'List-Unsubscribe: <https://x.test/u>');
    assert.equal((m.to as { text: string }).text, 'ada@example.test');
  } finally {
    mailer.close();
    await smtp.close();
  }
});

test('SMTP failures are classified: 451 and dropped connections are temporary, 550 is permanent', async () => {
  const smtp = await startTestSmtp();
  const mailer = createMailer({ smtpUrl: smtp.url, from: 'pb@example.test', dataDir: os.tmpdir() });
  try {
    smtp.failNext({ kind: 'reply', code: 451 });
    const e451 = await mailer.send({ to: 'a@example.test', subject: 's', text: 't' }).catch((e) => e);
    assert.equal(e451.responseCode, 451);
    assert.equal(isTemporaryMailError(e451), true);
    smtp.failNext({ kind: 'reply', code: 550 });
    const e550 = await mailer.send({ to: 'a@example.test', subject: 's', text: 't' }).catch((e) => e);
    assert.equal(e550.responseCode, 550);
    assert.equal(isTemporaryMailError(e550), false);
    smtp.failNext({ kind: 'drop' });
    const eDrop = await mailer.send({ to: 'a@example.test', subject: 's', text: 't' }).catch((e) => e);
    assert.ok(eDrop instanceof Error);
    assert.equal(isTemporaryMailError(eDrop), true, `code ${(eDrop as { code?: string }).code}`);
    assert.equal(smtp.messages.length, 0);
  } finally {
    mailer.close();
    await smtp.close();
  }
});

test('without SMTP_URL, messages are written to the outbox as .eml files', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-outbox-'));
  const lines: string[] = [];
  const mailer = createMailer({ smtpUrl: '', from: 'pb@example.test', dataDir: dir, log: (l) => lines.push(l) });
  const r = await mailer.send({ to: 'bob@example.test', subject: 'Sign in', text: 'https://x.test/login/abc' });
  assert.ok(r.outboxPath && fs.existsSync(r.outboxPath));
  const eml = fs.readFileSync(r.outboxPath!, 'utf8');
  assert.match(eml, /Subject: Sign in/);
  assert.match(eml, /https:\/\/x\.test\/login\/abc/);
  assert.deepEqual(
    fs.readdirSync(path.join(dir, 'outbox')).filter((f) => f.endsWith('.tmp')),
    [],
  );
  assert.ok(lines[0].includes(r.outboxPath!));
});
