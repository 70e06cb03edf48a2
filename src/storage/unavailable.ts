// Which errors mean "the database cannot be used right now" rather than "this request or the code
// is wrong": the web answers those with 503 and Retry-After (the service comes back by itself when
// PostgreSQL restarts, a lock is released or space is freed), the rest with 500.

export type UnavailableReason = 'unreachable' | 'busy' | 'disk full' | 'read-only' | 'io error';

// PostgreSQL SQLSTATEs: class 08 (connection exception), the server shutting down or starting
// (57P01-57P03), too many connections (53300), out of disk (53100).
const PG_STATES: Record<string, UnavailableReason> = {
  '57P01': 'unreachable',
  '57P02': 'unreachable',
  '57P03': 'unreachable',
  '53300': 'busy',
  '53100': 'disk full',
  '25006': 'read-only',
};

// Node's socket errors, as pg reports a server that is down, restarting or unreachable.
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

// pg's own messages for a connection that broke or never came (they carry no code).
const PG_MESSAGES = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Client was closed)/;

/** The reason a database error is temporary and not the request's fault, or null. */
export function databaseUnavailable(err: unknown): UnavailableReason | null {
  if (!err || typeof err !== 'object') return null;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown[] };
  const code = typeof e.code === 'string' ? e.code : '';
  // better-sqlite3: SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, ...
  if (code.startsWith('SQLITE_')) {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
    if (code === 'SQLITE_FULL') return 'disk full';
    if (code.startsWith('SQLITE_READONLY')) return 'read-only';
    if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PROTOCOL') return 'io error';
    return null;
  }
  if (code.startsWith('08')) return 'unreachable';
  if (PG_STATES[code]) return PG_STATES[code];
  if (NET_CODES.has(code)) return 'unreachable';
  if (typeof e.message === 'string' && PG_MESSAGES.test(e.message)) return 'unreachable';
  // Connecting to a name with several addresses fails with an AggregateError of each attempt's.
  if (Array.isArray(e.errors) && e.errors.length && e.errors.every((x) => databaseUnavailable(x) === 'unreachable')) return 'unreachable';
  return null;
}

/** What to tell a person, by reason. */
export function unavailableMessage(reason: UnavailableReason): string {
  switch (reason) {
    case 'unreachable':
      return 'The database cannot be reached right now; Paperboy is back as soon as it is. Try again in a few seconds.';
    case 'busy':
      return 'The database is busy right now; try again in a few seconds.';
    case 'disk full':
      return 'The server has run out of disk space, so nothing can be saved right now; the operator has been told in the log. Try again later.';
    case 'read-only':
      return 'The database cannot be written right now (it is read-only); the operator has been told in the log. Try again later.';
    case 'io error':
      return 'The database could not read or write its files right now; the operator has been told in the log. Try again later.';
  }
}

/**
 * A one-line cause for an operator, when a command stops on the database's disk or files; null
 * for other errors (their own message says it).
 */
export function storageFailureCause(err: unknown): string | null {
  const reason = databaseUnavailable(err);
  const e = err as { code?: string; message?: string };
  const detail = `${e.code}: ${e.message}`;
  if (reason === 'disk full') return `storage: the disk holding the database is full (${detail}); free some space and run it again`;
  if (reason === 'read-only') return `storage: the database cannot be written, it is read-only (${detail})`;
  if (reason === 'io error') return `storage: the database's files could not be read or written (${detail}); check the disk and its permissions`;
  return null;
}
