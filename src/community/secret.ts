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
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const secret = randomToken(32);
    // wx: when two processes race, the second one reads the first one's file.
    try {
      fs.writeFileSync(file, secret, { flag: 'wx', mode: 0o600 });
      return secret;
    } catch {
      return fs.readFileSync(file, 'utf8').trim();
    }
  }
}
