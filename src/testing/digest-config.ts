import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../config.js';
import type { TestSmtp } from './smtp.js';

/** The settings of a digest test: mail to the loopback SMTP server, no send rate, one send at a time, quick retries. */
export function digestTestConfig(db: { url: string }, smtp: TestSmtp, extra: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: db.url,
    SMTP_URL: smtp.url,
    BASE_URL: 'http://pb.test',
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'pb-digest-')),
    SESSION_SECRET: 'test-secret-for-digests',
    MAIL_FROM: 'Paperboy <digest@pb.test>',
    DIGEST_RATE: '0',
    DIGEST_RETRY_MS: '5',
    DIGEST_CONCURRENCY: '1',
    LOG_LEVEL: 'silent',
    ...extra,
  });
}
