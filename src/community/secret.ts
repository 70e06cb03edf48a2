import fs from 'node:fs';
import path from 'node:path';
import { randomToken } from './tokens.js';

/**
 * SESSION_SECRET, or one generated once into DATA_DIR/session-secret: the embedded default then
 * keeps its CSRF tokens valid across restarts without anyone choosing a secret.
 */
export function loadSessionSecret(configured: string, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'session-secret');
  // The cause of a failure is named (a read-only or full DATA_DIR), not hidden behind a later ENOENT.
  const cannot = (doing: string, e: unknown) =>
    new Error(`community: cannot ${doing} ${path.resolve(file)} (${(e as Error).message}); make DATA_DIR writable, or set SESSION_SECRET`);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw cannot('read', e);
  }
  const secret = randomToken(32);
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    // wx: when two processes race, the second one reads the first one's file.
    fs.writeFileSync(file, secret, { flag: 'wx', mode: 0o600 });
    return secret;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw cannot('write', e);
    return fs.readFileSync(file, 'utf8').trim();
  }
}
