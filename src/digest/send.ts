import crypto from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.js';
import type { Database } from '../storage/database.js';
import type { Paper } from '../papers/paper.js';
import { isTemporaryMailError, type Mailer } from './mailer.js';
import type { LinkSigner } from './links.js';
import { FREQUENCIES, localDateHour, periodFor, weekdayOf, type Frequency, type Period } from './period.js';
import type { DigestPaper, DigestSource } from './sources.js';
import type { SubscriptionStore, Subscriber, SavedTopic } from './subscriptions.js';
import { MAX_TRENDING } from './subscriptions.js';
import { createTokenTopicMatcher, type TopicMatcher } from './topics.js';
import { FOLLOWING_LIMIT, renderDigest, selectDigest, TOPIC_LIMIT, type DigestContent, type RenderedDigest } from './compose.js';

// Sending one period's digests, exactly once per (subscriber, period) as far as SMTP allows:
//   1. claim: a digest_sends row is inserted (or a stale/retryable one taken over) with a lease,
//      before anything is sent; a second run or process that finds a live claim or a final
//      status skips that subscriber.
//   2. send over SMTP, retrying temporary failures with backoff while renewing the lease.
//   3. mark: status `sent` and the papers recorded for "never the same paper twice".
// A crash between the SMTP server's acceptance (2) and the mark (3) leaves a `sending` row whose
// lease expires; the next run sends that one digest again. That is the only duplicate possible.

export interface SenderSettings {
  baseUrl: string;
  mailFrom: string;
  feedTimezone: string;
  /** messages per second over all workers; 0: unthrottled */
  rate: number;
  /** how long a claim protects a digest being sent before another run may take it over */
  leaseMs: number;
  concurrency: number;
  /** temporary failures: attempts in all, and the first backoff (then x4) */
  attempts: number;
  retryBaseMs: number;
  digestHour: number;
}

/**
 * A member's own papers of a period: their ranking (For you, src/recommend/service.ts) or what
 * their follows brought (Following, src/follow/follows.ts), wired in src/main.ts and src/cli.ts;
 * empty for an address that is no member's, or a member with no signals or follows yet.
 */
export interface ForYouPicker {
  pick(email: string, period: Period, limit: number): Promise<DigestPaper[]>;
}

export interface SenderDeps {
  /** For-you sections for members' addresses; none without it */
  forYou?: ForYouPicker;
  /** Following sections for members' addresses (FOLLOWING_LIMIT papers); none without it */
  following?: ForYouPicker;
  database: Database;
  subscriptions: SubscriptionStore;
  source: DigestSource;
  mailer: Mailer;
  links: LinkSigner;
  settings: SenderSettings;
  log?: (line: string) => void;
}

export interface SendOptions {
  /** local date (FEED_TIMEZONE) the digests are sent on; periods end the day before */
  sendDate: string;
  frequencies?: Frequency[];
  dryRun?: boolean;
  /** one subscriber only (by address) */
  to?: string;
}

export interface SendReport {
  periods: string[];
  sent: number;
  empty: number;
  /** already sent, or claimed by another live run */
  skipped: number;
  /** temporary failures left for the next run */
  deferred: number;
  /** permanent failures */
  failed: number;
  /** dry run: one line per subscriber */
  plan: string[];
}

export function readSenderSettings(
  config: Pick<Config, 'baseUrl' | 'mailFrom' | 'feedTimezone' | 'digestRate' | 'digestLeaseMs' | 'digestConcurrency' | 'digestRetryMs' | 'digestHour'>,
): SenderSettings {
  return {
    baseUrl: config.baseUrl,
    mailFrom: config.mailFrom,
    feedTimezone: config.feedTimezone,
    rate: config.digestRate,
    leaseMs: config.digestLeaseMs,
    concurrency: config.digestConcurrency,
    attempts: 4,
    retryBaseMs: config.digestRetryMs,
    digestHour: config.digestHour,
  };
}

function mailDomain(from: string): string {
  return /@([^>\s]+)/.exec(from)?.[1] ?? 'paperboy.local';
}

/** Stable per (subscriber, period): a resend after a crash carries the same id, so clients can fold it. */
export function digestMessageId(subscriberId: string, periodKey: string, from: string): string {
  return `<digest.${subscriberId}.${periodKey.replace(':', '-').replace('..', '_')}@${mailDomain(from)}>`;
}

export function unsubscribeUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/api/digest/unsubscribe/${token}`;
}

export function manageUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/digest/manage/${token}`;
}

/** A token bucket of one: successive callers are spaced 1/rate seconds apart. */
function throttle(rate: number): () => Promise<void> {
  if (!rate || rate <= 0) return async () => {};
  const gap = 1000 / rate;
  let next = 0;
  return async () => {
    const now = Date.now();
    const at = Math.max(now, next);
    next = at + gap;
    if (at > now) await sleep(at - now);
  };
}

async function pool<T>(items: T[], workers: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(workers, items.length)) }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

/** papers looked at beyond what is shown, so that ones already sent do not leave a section short */
const SLACK = 40;
const PAGE = 500;

/** The inputs shared by every subscriber's digest of one period, loaded lazily once. */
class PeriodMaterial {
  trending: DigestPaper[] = [];
  private matcher: TopicMatcher | null = null;
  private byId = new Map<string, Paper>();
  private upvotes = new Map<string, number>();
  constructor(
    readonly period: Period,
    private source: DigestSource,
  ) {}
  async load(): Promise<void> {
    this.trending = await this.source.trending(this.period, MAX_TRENDING + SLACK);
  }
  async topics(): Promise<{ matcher: TopicMatcher; byId: Map<string, Paper>; upvotes: Map<string, number> }> {
    if (!this.matcher) {
      const papers = await this.source.newPapers(this.period);
      this.byId = new Map(papers.map((p) => [p.id, p]));
      this.upvotes = await this.source.upvotes(papers.map((p) => p.id));
      for (const t of this.trending) this.upvotes.set(t.paper.id, t.upvotes);
      this.matcher = createTokenTopicMatcher(papers);
    }
    return { matcher: this.matcher, byId: this.byId, upvotes: this.upvotes };
  }
}

export interface Composed {
  subscriber: Subscriber;
  content: DigestContent;
  rendered: RenderedDigest;
  messageId: string;
  headers: Record<string, string>;
}

export function createDigestSender(deps: SenderDeps) {
  const { database, subscriptions, source, mailer, links, settings } = deps;
  const { db } = database;
  const log = deps.log ?? (() => {});
  const owner = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;

  async function composePage(material: PeriodMaterial, subs: Subscriber[]): Promise<Composed[]> {
    const topicsBySub = await subscriptions.topicsFor(subs.map((s) => s.id));
    const anyTopics = [...topicsBySub.values()].some((t) => t.length);
    const t = anyTopics ? await material.topics() : null;
    // Which of the papers each subscriber might get were already sent to them: one query per page.
    const candidates = new Map<string, string[]>();
    const all = new Set<string>();
    // A member's For-you list: more than N, so that papers sent before do not leave it short.
    const forYou = new Map<string, DigestPaper[]>();
    if (deps.forYou) {
      for (const s of subs) {
        if (s.forYouCount > 0) forYou.set(s.id, await deps.forYou.pick(s.email, material.period, s.forYouCount + SLACK * 2));
      }
    }
    const following = new Map<string, DigestPaper[]>();
    if (deps.following) {
      for (const s of subs) following.set(s.id, await deps.following.pick(s.email, material.period, FOLLOWING_LIMIT + SLACK * 2));
    }
    for (const s of subs) {
      const ids = material.trending.slice(0, s.trendingCount + SLACK).map((x) => x.paper.id);
      for (const x of forYou.get(s.id) ?? []) ids.push(x.paper.id);
      for (const x of following.get(s.id) ?? []) ids.push(x.paper.id);
      for (const topic of topicsBySub.get(s.id) ?? []) ids.push(...t!.matcher.match(topic, TOPIC_LIMIT + SLACK));
      candidates.set(s.id, ids);
      ids.forEach((id) => all.add(id));
    }
    const sent = new Map<string, Set<string>>();
    const allIds = [...all];
    for (let i = 0; i < allIds.length && subs.length; i += 400) {
      const rows = await db
        .selectFrom('digest_sent_papers')
        .select(['subscriber_id', 'paper_id'])
        .where(
          'subscriber_id',
          'in',
          subs.map((s) => s.id),
        )
        .where('paper_id', 'in', allIds.slice(i, i + 400))
        .execute();
      for (const r of rows) {
        const set = sent.get(r.subscriber_id) ?? new Set<string>();
        set.add(r.paper_id);
        sent.set(r.subscriber_id, set);
      }
    }
    return subs.map((s) =>
      composeOne(material, s, topicsBySub.get(s.id) ?? [], t, sent.get(s.id) ?? new Set(), forYou.get(s.id) ?? [], following.get(s.id) ?? []),
    );
  }

  function composeOne(
    material: PeriodMaterial,
    s: Subscriber,
    topics: SavedTopic[],
    t: Awaited<ReturnType<PeriodMaterial['topics']>> | null,
    alreadySent: Set<string>,
    forYou: DigestPaper[] = [],
    following: DigestPaper[] = [],
  ): Composed {
    const content = selectDigest({
      forYou,
      following,
      forYouCount: s.forYouCount,
      subscriber: s,
      topics,
      trending: material.trending,
      matcher: t?.matcher ?? { match: () => [] },
      papersById: t?.byId ?? new Map(),
      upvotes: t?.upvotes ?? new Map(),
      alreadySent,
    });
    const unsub = unsubscribeUrl(settings.baseUrl, links.sign('unsubscribe', s.id, s.email));
    const rendered = renderDigest(content, material.period, {
      baseUrl: settings.baseUrl,
      manageUrl: manageUrl(settings.baseUrl, links.sign('manage', s.id, s.email)),
      unsubscribeUrl: unsub,
    });
    return {
      subscriber: s,
      content,
      rendered,
      messageId: digestMessageId(s.id, material.period.key, settings.mailFrom),
      headers: {
        'List-Unsubscribe': `<${unsub}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'List-Id': `Paperboy digest <digest.${mailDomain(settings.mailFrom)}>`,
        'Auto-Submitted': 'auto-generated',
      },
    };
  }

  /** Take the (subscriber, period) row: new, left for retry, or abandoned by a dead run. */
  async function claim(c: Composed, period: Period, status: 'sending' | 'empty'): Promise<boolean> {
    const now = new Date();
    const lease = new Date(now.getTime() + settings.leaseMs).toISOString();
    const paperIds = JSON.stringify(c.content.paperIds);
    const ins = await db
      .insertInto('digest_sends')
      .values({
        subscriber_id: c.subscriber.id,
        period: period.key,
        status,
        owner,
        lease_until: status === 'sending' ? lease : null,
        attempts: status === 'sending' ? 1 : 0,
        paper_ids: paperIds,
        message_id: c.messageId,
        error: null,
        created_at: now.toISOString(),
        sent_at: null,
      })
      .onConflict((oc) => oc.columns(['subscriber_id', 'period']).doNothing())
      .executeTakeFirst();
    if (Number(ins.numInsertedOrUpdatedRows ?? 0) === 1) return true;
    const upd = await db
      .updateTable('digest_sends')
      .set((eb) => ({ status, owner, lease_until: status === 'sending' ? lease : null, attempts: eb('attempts', '+', 1), paper_ids: paperIds, error: null }))
      .where('subscriber_id', '=', c.subscriber.id)
      .where('period', '=', period.key)
      .where((eb) => eb.or([eb('status', '=', 'retry'), eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now.toISOString())])]))
      .executeTakeFirst();
    return Number(upd.numUpdatedRows) === 1;
  }

  async function finish(c: Composed, period: Period, status: 'sent' | 'retry' | 'failed', error: string | null): Promise<void> {
    const now = new Date().toISOString();
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('digest_sends')
        .set({ status, lease_until: null, error, sent_at: status === 'sent' ? now : null })
        .where('subscriber_id', '=', c.subscriber.id)
        .where('period', '=', period.key)
        .where('status', '=', 'sending')
        .execute();
      if (status === 'sent' && c.content.paperIds.length) {
        await trx
          .insertInto('digest_sent_papers')
          .values(c.content.paperIds.map((paper_id) => ({ subscriber_id: c.subscriber.id, paper_id, period: period.key })))
          .onConflict((oc) => oc.columns(['subscriber_id', 'paper_id']).doNothing())
          .execute();
      }
    });
  }

  async function deliver(c: Composed, period: Period, wait: () => Promise<void>, report: SendReport): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await wait();
      try {
        await mailer.send({
          to: c.subscriber.email,
          subject: c.rendered.subject,
          text: c.rendered.text,
          html: c.rendered.html,
          headers: c.headers,
          messageId: c.messageId,
        });
        await finish(c, period, 'sent', null);
        if (c.subscriber.consecutiveFailures > 0) await subscriptions.recordDelivery(c.subscriber.id, true);
        report.sent++;
        return;
      } catch (err) {
        const message = `${(err as Error).message}`.slice(0, 500);
        if (!isTemporaryMailError(err)) {
          await finish(c, period, 'failed', message);
          await subscriptions.recordDelivery(c.subscriber.id, false);
          log(`digest: ${c.subscriber.email} ${period.key}: permanent failure: ${message}`);
          report.failed++;
          return;
        }
        if (attempt >= settings.attempts) {
          await finish(c, period, 'retry', message);
          log(`digest: ${c.subscriber.email} ${period.key}: still failing after ${attempt} attempts, left for the next run: ${message}`);
          report.deferred++;
          return;
        }
        const delay = settings.retryBaseMs * 4 ** (attempt - 1);
        // Keep the claim alive across the wait, so no other run takes this digest over meanwhile.
        await db
          .updateTable('digest_sends')
          .set({ lease_until: new Date(Date.now() + delay + settings.leaseMs).toISOString() })
          .where('subscriber_id', '=', c.subscriber.id)
          .where('period', '=', period.key)
          .where('status', '=', 'sending')
          .execute();
        await sleep(delay);
      }
    }
  }

  async function sendPeriod(period: Period, options: SendOptions, report: SendReport, wait: () => Promise<void>): Promise<void> {
    const material = new PeriodMaterial(period, source);
    await material.load();
    let after = '';
    for (;;) {
      let subs: Subscriber[];
      if (options.to) {
        const s = await subscriptions.getByEmail(options.to);
        subs = s && s.status === 'active' && s.frequency === period.frequency ? [s] : [];
      } else {
        subs = await subscriptions.listDue(period.frequency, weekdayOf(period.sendDate), after, PAGE);
      }
      if (!subs.length) return;
      after = subs[subs.length - 1].id;
      // Drop the ones already done or held: saves composing them; the claim re-checks anyway.
      const rows = await db
        .selectFrom('digest_sends')
        .select(['subscriber_id', 'status', 'lease_until'])
        .where('period', '=', period.key)
        .where(
          'subscriber_id',
          'in',
          subs.map((s) => s.id),
        )
        .execute();
      const now = new Date().toISOString();
      const busy = new Set(rows.filter((r) => r.status !== 'retry' && !(r.status === 'sending' && (r.lease_until ?? '') < now)).map((r) => r.subscriber_id));
      report.skipped += subs.filter((s) => busy.has(s.id)).length;
      const todo = await composePage(
        material,
        subs.filter((s) => !busy.has(s.id)),
      );
      if (options.dryRun) {
        for (const c of todo) {
          report.plan.push(
            c.content.paperIds.length
              ? `${c.subscriber.email} ${period.key}: ${c.content.sections.map((s) => `${s.title} (${s.items.length})`).join(', ')}`
              : `${c.subscriber.email} ${period.key}: nothing new, no email`,
          );
        }
      } else {
        await pool(todo, settings.concurrency, async (c) => {
          if (!c.content.paperIds.length) {
            if (await claim(c, period, 'empty')) report.empty++;
            else report.skipped++;
            return;
          }
          if (!(await claim(c, period, 'sending'))) {
            report.skipped++;
            return;
          }
          await deliver(c, period, wait, report);
        });
      }
      if (options.to || subs.length < PAGE) return;
    }
  }

  return {
    owner,
    /** Send the digests due on a date (dry run: only say what would be sent). */
    async send(options: SendOptions): Promise<SendReport> {
      const report: SendReport = { periods: [], sent: 0, empty: 0, skipped: 0, deferred: 0, failed: 0, plan: [] };
      const wait = throttle(settings.rate);
      for (const f of options.frequencies ?? FREQUENCIES) {
        const period = periodFor(f, options.sendDate, settings.feedTimezone);
        if (!period) continue;
        report.periods.push(period.key);
        await sendPeriod(period, options, report, wait);
      }
      return report;
    },
    /** One subscriber's digest for the latest period up to sendDate, without recording anything. */
    async preview(email: string, sendDate: string): Promise<Composed & { period: Period }> {
      const s = await subscriptions.getByEmail(email);
      if (!s) throw new Error(`digest: no subscriber ${email}`);
      let period: Period | null = null;
      for (let back = 0; !period && back < 7; back++) {
        const d = new Date(`${sendDate}T00:00:00Z`);
        d.setUTCDate(d.getUTCDate() - back);
        period = periodFor(s.frequency, d.toISOString().slice(0, 10), settings.feedTimezone);
      }
      const material = new PeriodMaterial(period!, source);
      await material.load();
      const [c] = await composePage(material, [s]);
      return { ...c, period: period! };
    },
  };
}

export type DigestSender = ReturnType<typeof createDigestSender>;

/**
 * The scheduler's hook: call it as often as you like (every few minutes). From DIGEST_HOUR on, in
 * FEED_TIMEZONE, it sends the day's due digests; later calls that day find them recorded and send
 * nothing, and a run that died is completed by the next call once its claims' leases expire.
 */
export async function runDueDigests(
  sender: DigestSender,
  settings: Pick<SenderSettings, 'feedTimezone' | 'digestHour'>,
  now: Date = new Date(),
): Promise<SendReport | null> {
  const local = localDateHour(now, settings.feedTimezone);
  if (local.hour < settings.digestHour) return null;
  return sender.send({ sendDate: local.date });
}
