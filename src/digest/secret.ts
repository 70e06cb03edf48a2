import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// SESSION_SECRET signs links and cookies. When it is empty, one is generated once into
// DATA_DIR/session-secret so that links in already-sent emails keep working after a restart.

export function resolveSessionSecret(config: { sessionSecret: string; dataDir: string }): string {
  if (config.sessionSecret) return config.sessionSecret;
  const file = path.join(config.dataDir, 'session-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const fresh = crypto.randomBytes(32).toString('base64url');
    try {
      // wx: when two processes start at once, the first writer wins and the other reads its value.
      fs.writeFileSync(file, fresh, { flag: 'wx', mode: 0o600 });
      return fresh;
    } catch {
      return fs.readFileSync(file, 'utf8').trim();
    }
  }
}

/** A key for one purpose, so a signature made for one use is never valid for another. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return crypto.createHmac('sha256', secret).update(`paperboy:${purpose}`).digest();
}

export function hmac(key: Buffer, data: string): string {
  return crypto.createHmac('sha256', key).update(data).digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

export function sha256(s: string): string {
  return crypto.createHash('sha256').update(s).digest('base64url');
}
