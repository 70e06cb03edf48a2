import crypto from 'node:crypto';
import { loadSessionSecret } from '../community/secret.js';

// SESSION_SECRET signs links and cookies. When it is empty, one is generated once into
// DATA_DIR/session-secret so that links in already-sent emails keep working after a restart.

export function resolveSessionSecret(config: { sessionSecret: string; dataDir: string }): string {
  // One secret for the whole instance: the same DATA_DIR/session-secret file the sessions use.
  return loadSessionSecret(config.sessionSecret, config.dataDir);
}

/** A key for one purpose, so a signature made for one use is never valid for another. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return crypto.createHmac('sha256', secret).update(`paperboy:${purpose}`).digest();
}

export function hmac(key: Buffer, data: string): string {
  return crypto.createHmac('sha256', key).update(data).digest('base64url');
}
