import fs from 'node:fs';
import path from 'node:path';

// DATA_DIR holds the mail outbox (without SMTP_URL), the generated session secret (without
// SESSION_SECRET) and the search models. A folder that cannot be written used to surface later as
// `ENOENT ... session-secret` at start, or as 503s for `ENOENT mkdir outbox` on sign-in; a server
// checks it at start and names it, and /healthz reports the free space on it while it runs.

function cause(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOSPC':
      return 'the disk is full';
    case 'EROFS':
      return 'it is on a read-only file system';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'part of its path is a file';
    default:
      return err.message;
  }
}

/** Throws, naming DATA_DIR and the cause, unless a file can be written there (creates the folder). */
export function assertDataDirWritable(dataDir: string): void {
  const dir = path.resolve(dataDir);
  try {
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.write-check-${process.pid}`);
    fs.writeFileSync(probe, 'paperboy write check\n');
    fs.rmSync(probe);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(
      `data-dir: DATA_DIR ${dir} cannot be written: ${cause(err)} (${err.code ?? err.message}). It holds the mail outbox, the session secret and the search models: make it writable, or set DATA_DIR to a folder that is`,
    );
  }
}

/** Bytes free to this process on the file system holding `target` (its nearest existing folder); null when unknown. */
export function freeBytes(target: string): number | null {
  let dir = path.resolve(target);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    const s = fs.statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}
