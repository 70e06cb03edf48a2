import crypto from 'node:crypto';
import type { Selectable, Updateable } from 'kysely';
import type { Database } from '../storage/database.js';
import type { DigestSubscribersTable } from '../storage/schema.js';
import { randomToken, sha256 } from '../community/tokens.js';
import type { Frequency } from './period.js';
import { MAX_TOPICS, type Topic } from './topics.js';
import { normaliseEmail } from '../util/strict-input.js';

// Subscribers and their choices. Double opt-in: a subscriber starts `pending` and receives
// nothing but the confirmation email until its single-use, expiring link is used. Only the hash
// of a confirmation token is stored, so a database leak does not confirm anyone.

export type SubscriberStatus = 'pending' | 'active' | 'paused' | 'unsubscribed' | 'suspended';

export interface Subscriber {
  id: string;
  email: string;
  status: SubscriberStatus;
  frequency: Frequency;
  weekday: number;
  trendingCount: number;
  /** papers in the For-you section when the address is a member's (0: none) */
  forYouCount: number;
  consecutiveFailures: number;
  createdAt: string;
  confirmedAt: string | null;
}

export interface SavedTopic extends Topic {
  id: string;
}

export const CONFIRM_TTL_MS = 48 * 3600_000;
/** a confirmation email is not sent again to the same address within this time */
export const CONFIRM_RESEND_MS = 60_000;
export const MAX_TRENDING = 50;
/** most papers a For-you section may carry */
export const MAX_FOR_YOU = 50;
/** permanent delivery failures in a row after which an address is suspended */
export const SUSPEND_AFTER = 3;

/** The same reading as sign-in's (util/strict-input.ts). */
export { normaliseEmail };

function toSubscriber(r: Selectable<DigestSubscribersTable>): Subscriber {
  return {
    id: r.id,
    email: r.email,
    status: r.status as SubscriberStatus,
    frequency: r.frequency as Frequency,
    weekday: Number(r.weekday),
    trendingCount: Number(r.trending_count),
    forYouCount: Number(r.foryou_count ?? 5),
    consecutiveFailures: Number(r.consecutive_failures),
    createdAt: r.created_at,
    confirmedAt: r.confirmed_at,
  };
}

/** What a subscribe request should lead to; the web answer is the same for every outcome. */
export type SubscribeOutcome = { kind: 'confirm'; subscriber: Subscriber; token: string } | { kind: 'already'; subscriber: Subscriber } | { kind: 'quiet' };

export interface Preferences {
  frequency?: Frequency;
  weekday?: number;
  trendingCount?: number;
  forYouCount?: number;
  paused?: boolean;
}

export interface SubscriptionStore {
  request(email: string, now?: Date): Promise<SubscribeOutcome>;
  confirm(token: string, now?: Date): Promise<Subscriber | null>;
  get(id: string): Promise<Subscriber | null>;
  getByEmail(email: string): Promise<Subscriber | null>;
  /** create an active subscriber directly (tests, bench, admin import) */
  createConfirmed(email: string, prefs?: Preferences, now?: Date): Promise<Subscriber>;
  setPreferences(id: string, prefs: Preferences): Promise<Subscriber | null>;
  unsubscribe(id: string): Promise<boolean>;
  topics(id: string): Promise<SavedTopic[]>;
  topicsFor(ids: string[]): Promise<Map<string, SavedTopic[]>>;
  addTopic(id: string, topic: Topic): Promise<SavedTopic>;
  removeTopic(id: string, topicId: string): Promise<boolean>;
  /** active subscribers of a frequency (weekly: on this weekday), in id order after `afterId` */
  listDue(frequency: Frequency, weekday: number, afterId: string, limit: number): Promise<Subscriber[]>;
  /** a delivery outcome: success resets the failure count, a permanent failure adds one and may suspend */
  recordDelivery(id: string, ok: boolean): Promise<void>;
}

function newId(): string {
  return crypto.randomBytes(12).toString('base64url');
}

export function createSubscriptionStore(database: Database): SubscriptionStore {
  const { db } = database;
  const byId = async (id: string) => {
    const r = await db.selectFrom('digest_subscribers').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toSubscriber(r) : null;
  };
  const newConfirmation = (now: Date) => {
    const token = randomToken();
    return {
      token,
      set: {
        confirm_token_hash: sha256(token),
        confirm_expires_at: new Date(now.getTime() + CONFIRM_TTL_MS).toISOString(),
        confirm_sent_at: now.toISOString(),
      },
    };
  };
  const store: SubscriptionStore = {
    async request(email, now = new Date()) {
      const existing = await db.selectFrom('digest_subscribers').selectAll().where('email', '=', email).executeTakeFirst();
      if (existing && (existing.status === 'active' || existing.status === 'paused')) {
        // Tell the owner of the address, not the requester: the page says the same either way.
        const last = existing.confirm_sent_at ? Date.parse(existing.confirm_sent_at) : 0;
        if (now.getTime() - last < CONFIRM_RESEND_MS) return { kind: 'quiet' };
        await db.updateTable('digest_subscribers').set({ confirm_sent_at: now.toISOString() }).where('id', '=', existing.id).execute();
        return { kind: 'already', subscriber: toSubscriber(existing) };
      }
      if (existing) {
        const last = existing.confirm_sent_at ? Date.parse(existing.confirm_sent_at) : 0;
        if (now.getTime() - last < CONFIRM_RESEND_MS) return { kind: 'quiet' };
        // A new link replaces the old one; unsubscribed or suspended addresses start over, keeping their choices.
        const c = newConfirmation(now);
        await db
          .updateTable('digest_subscribers')
          .set({ ...c.set, updated_at: now.toISOString() })
          .where('id', '=', existing.id)
          .execute();
        return { kind: 'confirm', subscriber: toSubscriber(existing), token: c.token };
      }
      const c = newConfirmation(now);
      const id = newId();
      const res = await db
        .insertInto('digest_subscribers')
        .values({
          id,
          email,
          status: 'pending',
          frequency: 'daily',
          weekday: 1,
          trending_count: 10,
          consecutive_failures: 0,
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
          confirmed_at: null,
          ...c.set,
        })
        .onConflict((oc) => oc.column('email').doNothing())
        .executeTakeFirst();
      // Lost a race with a concurrent request for the same address: that one sends the link.
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) return { kind: 'quiet' };
      return { kind: 'confirm', subscriber: (await byId(id))!, token: c.token };
    },
    async confirm(token, now = new Date()) {
      if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
      const hash = sha256(token);
      const row = await db.selectFrom('digest_subscribers').selectAll().where('confirm_token_hash', '=', hash).executeTakeFirst();
      if (!row?.confirm_expires_at || Date.parse(row.confirm_expires_at) < now.getTime()) return null;
      // Single use: the update only succeeds while the hash is still there.
      const res = await db
        .updateTable('digest_subscribers')
        .set({
          status: 'active',
          confirm_token_hash: null,
          confirm_expires_at: null,
          confirmed_at: now.toISOString(),
          consecutive_failures: 0,
          updated_at: now.toISOString(),
        })
        .where('id', '=', row.id)
        .where('confirm_token_hash', '=', hash)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1 ? byId(row.id) : null;
    },
    get: byId,
    async getByEmail(email) {
      const r = await db.selectFrom('digest_subscribers').selectAll().where('email', '=', email).executeTakeFirst();
      return r ? toSubscriber(r) : null;
    },
    async createConfirmed(email, prefs = {}, now = new Date()) {
      const id = newId();
      await db
        .insertInto('digest_subscribers')
        .values({
          id,
          email,
          status: prefs.paused ? 'paused' : 'active',
          frequency: prefs.frequency ?? 'daily',
          weekday: prefs.weekday ?? 1,
          trending_count: prefs.trendingCount ?? 10,
          consecutive_failures: 0,
          created_at: now.toISOString(),
          confirmed_at: now.toISOString(),
          updated_at: now.toISOString(),
          confirm_token_hash: null,
          confirm_expires_at: null,
          confirm_sent_at: null,
        })
        .execute();
      return (await byId(id))!;
    },
    async setPreferences(id, prefs) {
      const set: Updateable<DigestSubscribersTable> = { updated_at: new Date().toISOString() };
      if (prefs.frequency) set.frequency = prefs.frequency;
      if (prefs.weekday !== undefined) set.weekday = prefs.weekday;
      if (prefs.trendingCount !== undefined) set.trending_count = prefs.trendingCount;
      if (prefs.forYouCount !== undefined) set.foryou_count = prefs.forYouCount;
      const q = db.updateTable('digest_subscribers').set(set).where('id', '=', id);
      if (prefs.paused !== undefined) {
        // Pausing and resuming only moves between active and paused: never revives an unsubscribed address.
        await db
          .updateTable('digest_subscribers')
          .set({ status: prefs.paused ? 'paused' : 'active' })
          .where('id', '=', id)
          .where('status', 'in', ['active', 'paused'])
          .execute();
      }
      await q.execute();
      return byId(id);
    },
    async unsubscribe(id) {
      const res = await db
        .updateTable('digest_subscribers')
        .set({ status: 'unsubscribed', confirm_token_hash: null, confirm_expires_at: null, updated_at: new Date().toISOString() })
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async topics(id) {
      return (await store.topicsFor([id])).get(id) ?? [];
    },
    async topicsFor(ids) {
      const out = new Map<string, SavedTopic[]>();
      if (!ids.length) return out;
      const rows = await db.selectFrom('digest_topics').selectAll().where('subscriber_id', 'in', ids).orderBy('created_at').orderBy('id').execute();
      for (const r of rows) {
        const list = out.get(r.subscriber_id) ?? [];
        list.push({ id: r.id, query: r.query, categories: JSON.parse(r.categories) });
        out.set(r.subscriber_id, list);
      }
      return out;
    },
    async addTopic(id, topic) {
      const existing = await db
        .selectFrom('digest_topics')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('created_at').as('last')])
        .where('subscriber_id', '=', id)
        .executeTakeFirstOrThrow();
      if (Number(existing.n) >= MAX_TOPICS) throw new Error(`digest: at most ${MAX_TOPICS} topics per subscription`);
      const t = { id: newId(), query: topic.query, categories: topic.categories };
      // Sections follow the order topics were added (created_at, then a random id): two topics
      // added in the same millisecond get distinct, increasing times.
      const last = existing.last ? Date.parse(existing.last as string) : 0;
      const createdAt = new Date(Math.max(Date.now(), last + 1)).toISOString();
      await db
        .insertInto('digest_topics')
        .values({ id: t.id, subscriber_id: id, query: t.query, categories: JSON.stringify(t.categories), created_at: createdAt })
        .execute();
      return t;
    },
    async removeTopic(id, topicId) {
      const res = await db.deleteFrom('digest_topics').where('subscriber_id', '=', id).where('id', '=', topicId).executeTakeFirst();
      return Number(res.numDeletedRows) === 1;
    },
    async listDue(frequency, weekday, afterId, limit) {
      let q = db.selectFrom('digest_subscribers').selectAll().where('status', '=', 'active').where('frequency', '=', frequency).where('id', '>', afterId);
      if (frequency === 'weekly') q = q.where('weekday', '=', weekday);
      const rows = await q.orderBy('id').limit(limit).execute();
      return rows.map(toSubscriber);
    },
    async recordDelivery(id, ok) {
      if (ok) {
        await db.updateTable('digest_subscribers').set({ consecutive_failures: 0 }).where('id', '=', id).where('consecutive_failures', '>', 0).execute();
        return;
      }
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('digest_subscribers')
          .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
          .where('id', '=', id)
          .execute();
        await trx
          .updateTable('digest_subscribers')
          .set({ status: 'suspended', updated_at: new Date().toISOString() })
          .where('id', '=', id)
          .where('consecutive_failures', '>=', SUSPEND_AFTER)
          .where('status', '=', 'active')
          .execute();
      });
    },
  };
  return store;
}
