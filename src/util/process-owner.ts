import os from 'node:os';

/** "host:pid", so a process on the same host can tell that a holder has died. */
export function processOwner(suffix = ''): string {
  return `${os.hostname()}:${process.pid}${suffix}`;
}

/** Whether the process named by `owner` has died (only knowable on this host; elsewhere the lease tells). */
export function ownerIsDead(owner: string | null): boolean {
  if (!owner) return true;
  const m = /^(.*):(\d+)(?:#.*)?$/.exec(owner);
  if (!m || m[1] !== os.hostname()) return false; // another host: only its lease can tell
  const pid = Number(m[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
