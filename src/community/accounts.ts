import type { Selectable } from 'kysely';
import type { Database } from '../storage/database.js';
import type { Role, UsersTable } from '../storage/schema.js';
import { CommunityError } from './errors.js';
import { randomToken, sha256 } from './tokens.js';
import { normaliseEmail } from '../util/strict-input.js';

// Accounts without passwords: a sign-in link by email (single use, 15 minutes), then a session
// cookie. Both secrets are random; the database holds only their SHA-256.

export const LOGIN_LINK_MINUTES = 15;
export const SESSION_DAYS = 30;
/** a session's last_seen_at is written at most this often, not on every request */
const TOUCH_EVERY_MS = 60 * 60 * 1000;

export interface User {
  id: number;
  email: string;
  username: string;
  displayName: string | null;
  role: Role;
  createdAt: string;
}

export const ROLES: Role[] = ['member', 'curator', 'admin', 'system'];
export const USERNAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_-]{1,29}$/;

export function isCurator(u: Pick<User, 'role'> | null | undefined): boolean {
  return !!u && (u.role === 'curator' || u.role === 'admin');
}

/** One reading of email addresses for sign-in, accounts and subscriptions (ASCII only). */
export { normaliseEmail };

export function toUser(row: Selectable<UsersTable>): User {
  return { id: Number(row.id), email: row.email, username: row.username, displayName: row.display_name, role: row.role, createdAt: row.created_at };
}

export interface Accounts {
  createUser(input: { email: string; username: string; displayName?: string | null; role?: Role }): Promise<User>;
  getUser(id: number): Promise<User | null>;
  getByUsername(username: string): Promise<User | null>;
  getByEmail(email: string): Promise<User | null>;
  setRole(userId: number, role: Role): Promise<void>;
  /** the name shown beside comments and on the profile; empty clears it */
  setDisplayName(userId: number, displayName: string): Promise<void>;
  /** Make a single-use sign-in token for email; the caller mails the link. */
  createLoginToken(email: string): Promise<{ token: string; expiresAt: string }>;
  /** Use a sign-in token once; a first sign-in creates the account (when allowed). */
  consumeLoginToken(token: string, options?: { allowSignup?: boolean }): Promise<User>;
  /** A new session for a user; returns the cookie value. */
  createSession(userId: number): Promise<{ token: string; expiresAt: string }>;
  sessionUser(token: string): Promise<User | null>;
  deleteSession(token: string): Promise<void>;
  /** Personal API tokens: the token is shown once, at creation. */
  createApiToken(userId: number, name: string): Promise<{ id: number; token: string }>;
  listApiTokens(userId: number): Promise<{ id: number; name: string; createdAt: string; lastUsedAt: string | null }[]>;
  revokeApiToken(userId: number, id: number): Promise<boolean>;
  apiTokenUser(token: string): Promise<User | null>;
}

/** A free username derived from an email's local part (ada.lovelace@x -> ada-lovelace, ada-lovelace-2). */
async function freeUsername(database: Database, email: string): Promise<string> {
  let base =
    email
      .split('@')[0]
      .replace(/[^a-zA-Z0-9_-]+/g, '-')
      .replace(/^[-_]+|[-_]+$/g, '')
      .slice(0, 24) || 'member';
  if (base.length < 2) base = `${base}-member`;
  for (let n = 1; n < 1000; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    const taken = await database.db.selectFrom('users').select('id').where('username', '=', candidate).executeTakeFirst();
    if (!taken) return candidate;
  }
  return `${base}-${randomToken(4)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')}`;
}

export function createAccounts(database: Database, now: () => Date = () => new Date()): Accounts {
  const { db } = database;
  const accounts: Accounts = {
    async createUser({ email, username, displayName = null, role = 'member' }) {
      const e = normaliseEmail(email);
      if (!e) throw new CommunityError(400, `"${email}" is not an email address`);
      if (!USERNAME_RE.test(username)) throw new CommunityError(400, 'a username has 2 to 30 letters, digits, "-" or "_", starting with a letter or digit');
      if (!ROLES.includes(role)) throw new CommunityError(400, `unknown role ${role}`);
      const clash = await db
        .selectFrom('users')
        .select(['email', 'username'])
        .where((eb) => eb.or([eb('email', '=', e), eb(eb.fn('lower', ['username']), '=', username.toLowerCase())]))
        .executeTakeFirst();
      if (clash) throw new CommunityError(409, clash.email === e ? `an account with ${e} already exists` : `the username ${username} is taken`);
      const row = await db
        .insertInto('users')
        .values({ email: e, username, display_name: displayName, role, created_at: now().toISOString() })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUser(row);
    },
    async getUser(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async getByUsername(username) {
      const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async getByEmail(email) {
      const e = normaliseEmail(email);
      if (!e) return null;
      const row = await db.selectFrom('users').selectAll().where('email', '=', e).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async setRole(userId, role) {
      if (!ROLES.includes(role)) throw new CommunityError(400, `unknown role ${role}`);
      await db.updateTable('users').set({ role }).where('id', '=', userId).execute();
    },
    async setDisplayName(userId, displayName) {
      const name = displayName.replace(/\s+/g, ' ').trim();
      if (name.length > 60) throw new CommunityError(400, 'a display name has at most 60 characters');
      await db
        .updateTable('users')
        .set({ display_name: name || null })
        .where('id', '=', userId)
        .execute();
    },
    async createLoginToken(email) {
      const e = normaliseEmail(email);
      if (!e) throw new CommunityError(400, `"${email.slice(0, 80)}" is not an email address`);
      const token = randomToken();
      const t = now();
      const expiresAt = new Date(t.getTime() + LOGIN_LINK_MINUTES * 60_000).toISOString();
      await db
        .insertInto('login_tokens')
        .values({ token_hash: sha256(token), email: e, created_at: t.toISOString(), expires_at: expiresAt, used_at: null })
        .execute();
      // Housekeeping on the way: links expired for a day are of no use to anyone.
      await db
        .deleteFrom('login_tokens')
        .where('expires_at', '<', new Date(t.getTime() - 86_400_000).toISOString())
        .execute();
      return { token, expiresAt };
    },
    async consumeLoginToken(token, { allowSignup = true } = {}) {
      const t = now().toISOString();
      const hash = sha256(token);
      return db.transaction().execute(async (trx) => {
        // One UPDATE both checks and spends the token, so two clicks cannot both sign in.
        const spent = await trx
          .updateTable('login_tokens')
          .set({ used_at: t })
          .where('token_hash', '=', hash)
          .where('used_at', 'is', null)
          .where('expires_at', '>', t)
          .returning('email')
          .executeTakeFirst();
        if (!spent) throw new CommunityError(400, 'this sign-in link is invalid, already used or expired; ask for a new one');
        const existing = await trx.selectFrom('users').selectAll().where('email', '=', spent.email).executeTakeFirst();
        if (existing) return toUser(existing);
        if (!allowSignup) throw new CommunityError(403, 'new accounts are by invitation on this instance');
        const username = await freeUsername({ ...database, db: trx }, spent.email);
        const row = await trx
          .insertInto('users')
          .values({ email: spent.email, username, display_name: null, role: 'member', created_at: t })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toUser(row);
      });
    },
    async createSession(userId) {
      const token = randomToken();
      const t = now();
      const expiresAt = new Date(t.getTime() + SESSION_DAYS * 86_400_000).toISOString();
      await db
        .insertInto('sessions')
        .values({ token_hash: sha256(token), user_id: userId, created_at: t.toISOString(), expires_at: expiresAt, last_seen_at: t.toISOString() })
        .execute();
      await db.deleteFrom('sessions').where('expires_at', '<', t.toISOString()).execute();
      return { token, expiresAt };
    },
    async sessionUser(token) {
      const t = now();
      const row = await db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .selectAll('users')
        .select(['sessions.last_seen_at', 'sessions.token_hash'])
        .where('sessions.token_hash', '=', sha256(token))
        .where('sessions.expires_at', '>', t.toISOString())
        .executeTakeFirst();
      if (!row) return null;
      if (t.getTime() - Date.parse(row.last_seen_at) > TOUCH_EVERY_MS) {
        await db.updateTable('sessions').set({ last_seen_at: t.toISOString() }).where('token_hash', '=', row.token_hash).execute();
      }
      return toUser(row);
    },
    async deleteSession(token) {
      await db.deleteFrom('sessions').where('token_hash', '=', sha256(token)).execute();
    },
    async createApiToken(userId, name) {
      const clean = name.trim().slice(0, 60) || 'API token';
      // A recognisable prefix lets secret scanners and people tell what leaked.
      const token = `pb_${randomToken()}`;
      const row = await db
        .insertInto('api_tokens')
        .values({ user_id: userId, name: clean, token_hash: sha256(token), created_at: now().toISOString(), last_used_at: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { id: Number(row.id), token };
    },
    async listApiTokens(userId) {
      const rows = await db.selectFrom('api_tokens').select(['id', 'name', 'created_at', 'last_used_at']).where('user_id', '=', userId).orderBy('id').execute();
      return rows.map((r) => ({ id: Number(r.id), name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
    },
    async revokeApiToken(userId, id) {
      const res = await db.deleteFrom('api_tokens').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async apiTokenUser(token) {
      const row = await db
        .selectFrom('api_tokens')
        .innerJoin('users', 'users.id', 'api_tokens.user_id')
        .selectAll('users')
        .select('api_tokens.id as token_id')
        .where('api_tokens.token_hash', '=', sha256(token))
        .executeTakeFirst();
      if (!row) return null;
      await db.updateTable('api_tokens').set({ last_used_at: now().toISOString() }).where('id', '=', row.token_id).execute();
      return toUser(row);
    },
  };
  return accounts;
}
