import type { Selectable } from 'kysely';
import type { Database } from '../storage/database.js';
import type { HarvestWindowsTable } from '../storage/schema.js';
import { withRowClaim } from '../storage/row-claims.js';
import { ownerIsDead } from '../util/process-owner.js';

// Harvest windows in the database: what is due, who holds it, where its next page starts.
// A window is one (source, set, day); its cursor is saved after each committed page.

export type HarvestSource = 'api' | 'oai';
export type WindowStatus = 'pending' | 'running' | 'done' | 'failed';

export interface WindowCursor {
  /** API: index of the next entry */
  start?: number;
  /** OAI-PMH: resumption token of the next page */
  token?: string;
}

export interface HarvestWindow {
  key: string;
  source: HarvestSource;
  setSpec: string;
  day: string;
  status: WindowStatus;
  cursor: WindowCursor | null;
  runs: number;
  attempts: number;
  /** it has been harvested to the end before (so a page with nothing new ends it) */
  harvestedBefore: boolean;
  lastError: string | null;
}

export interface WindowSpec {
  source: HarvestSource;
  setSpec: string;
  day: string;
}

/** What one window, one run or the whole instance counted: requests made and records stored. */
export interface HarvestCounts {
  requests: number;
  errors: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface PageProgress extends HarvestCounts {
  cursor: WindowCursor | null;
}

export interface HarvestStats extends HarvestCounts {
  windowsDone: number;
  windowsFailed: number;
  /** due windows not yet claimed */
  queueDepth: number;
  running: number;
  lastSuccessAt: string | null;
  lastError: string | null;
}

export interface HarvestStore {
  /** Insert missing windows (due at runAfter); re-open done and failed ones whose day >= reopenFrom. */
  plan(specs: WindowSpec[], opts: { runAfter: string; reopenFrom: string | null }): Promise<{ created: number; reopened: number }>;
  /** Take one due window, or one whose holder died or let its lease lapse. */
  claim(owner: string, leaseMs: number, onlyKeys?: string[]): Promise<HarvestWindow | null>;
  /** Save progress after a committed page; false when the claim was lost. */
  savePage(key: string, owner: string, progress: PageProgress, leaseMs: number): Promise<boolean>;
  finish(key: string, owner: string): Promise<void>;
  /** Hand a window back unfinished (shutdown): it stays due and keeps its cursor. */
  release(key: string, owner: string): Promise<void>;
  fail(key: string, owner: string, error: string, retryAt: string): Promise<void>;
  /** Whether one of these windows could be claimed now, row locks aside (a dying holder's lock). */
  anyClaimable(keys: string[]): Promise<boolean>;
  lastDoneDay(): Promise<string | null>;
  stats(): Promise<HarvestStats>;
  get(key: string): Promise<HarvestWindow | null>;
}

export function windowKey(s: WindowSpec): string {
  return `${s.source}:${s.setSpec}:${s.day}`;
}

export { processOwner } from '../util/process-owner.js';

function toWindow(r: Selectable<HarvestWindowsTable>): HarvestWindow {
  return {
    key: r.key,
    source: r.source as HarvestSource,
    setSpec: r.set_spec,
    day: r.day,
    status: r.status as WindowStatus,
    cursor: r.cursor ? (JSON.parse(r.cursor) as WindowCursor) : null,
    runs: Number(r.runs),
    attempts: Number(r.attempts),
    harvestedBefore: r.finished_at !== null,
    lastError: r.last_error,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

export function createHarvestStore(database: Database): HarvestStore {
  const { db } = database;
  return {
    async plan(specs, { runAfter, reopenFrom }) {
      const now = new Date().toISOString();
      let created = 0;
      for (const s of specs) {
        const res = await db
          .insertInto('harvest_windows')
          .values({
            key: windowKey(s),
            source: s.source,
            set_spec: s.setSpec,
            day: s.day,
            status: 'pending',
            cursor: null,
            run_after: runAfter,
            created_at: now,
            updated_at: now,
          })
          .onConflict((oc) => oc.column('key').doNothing())
          .executeTakeFirst();
        created += Number(res.numInsertedOrUpdatedRows ?? 0);
      }
      let reopened = 0;
      if (reopenFrom !== null && specs.length) {
        const keys = specs.filter((s) => s.day >= reopenFrom).map(windowKey);
        for (let i = 0; i < keys.length; i += 500) {
          const part = keys.slice(i, i + 500);
          // A done window starts again from its first page; a failed one resumes at its cursor.
          const a = await db
            .updateTable('harvest_windows')
            .set({ status: 'pending', cursor: null, run_after: runAfter, updated_at: now })
            .where('key', 'in', part)
            .where('status', '=', 'done')
            .executeTakeFirst();
          const b = await db
            .updateTable('harvest_windows')
            .set({ status: 'pending', run_after: runAfter, updated_at: now })
            .where('key', 'in', part)
            .where('status', '=', 'failed')
            .executeTakeFirst();
          reopened += Number(a.numUpdatedRows) + Number(b.numUpdatedRows);
        }
      }
      return { created, reopened };
    },

    async claim(owner, leaseMs, onlyKeys) {
      const now = new Date().toISOString();
      return withRowClaim(database, async (q, lockRows) => {
        let sel = q
          .selectFrom('harvest_windows')
          .selectAll()
          .where((eb) => eb.or([eb.and([eb('status', 'in', ['pending', 'failed']), eb('run_after', '<=', now)]), eb('status', '=', 'running')]));
        if (onlyKeys) sel = sel.where('key', 'in', onlyKeys.length ? onlyKeys : ['']);
        const rows = await lockRows(sel.orderBy('day').orderBy('source').orderBy('set_spec').limit(50)).execute();
        for (const row of rows) {
          if (row.status === 'running' && row.lease_until && row.lease_until > now && !ownerIsDead(row.claimed_by)) continue;
          let upd = q
            .updateTable('harvest_windows')
            .set((eb) => ({ status: 'running', claimed_by: owner, lease_until: iso(Date.now() + leaseMs), runs: eb('runs', '+', 1), updated_at: now }))
            .where('key', '=', row.key)
            .where('status', '=', row.status);
          // The conditional update is the claim: it matches nothing if someone else changed the row.
          upd = row.claimed_by === null ? upd.where('claimed_by', 'is', null) : upd.where('claimed_by', '=', row.claimed_by);
          const res = await upd.executeTakeFirst();
          if (Number(res.numUpdatedRows) === 1) return toWindow({ ...row, status: 'running', runs: Number(row.runs) + 1 });
        }
        return null;
      });
    },

    async savePage(key, owner, p, leaseMs) {
      const res = await db
        .updateTable('harvest_windows')
        .set((eb) => ({
          cursor: p.cursor ? JSON.stringify(p.cursor) : null,
          requests: eb('requests', '+', p.requests),
          errors: eb('errors', '+', p.errors),
          inserted: eb('inserted', '+', p.inserted),
          updated: eb('updated', '+', p.updated),
          unchanged: eb('unchanged', '+', p.unchanged),
          rejected: eb('rejected', '+', p.rejected),
          lease_until: iso(Date.now() + leaseMs),
          updated_at: new Date().toISOString(),
        }))
        .where('key', '=', key)
        .where('claimed_by', '=', owner)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    async finish(key, owner) {
      const now = new Date().toISOString();
      await db
        .updateTable('harvest_windows')
        .set({ status: 'done', cursor: null, claimed_by: null, lease_until: null, attempts: 0, last_error: null, finished_at: now, updated_at: now })
        .where('key', '=', key)
        .where('claimed_by', '=', owner)
        .execute();
    },

    async release(key, owner) {
      await db
        .updateTable('harvest_windows')
        .set({ status: 'pending', claimed_by: null, lease_until: null, updated_at: new Date().toISOString() })
        .where('key', '=', key)
        .where('claimed_by', '=', owner)
        .where('status', '=', 'running')
        .execute();
    },

    async fail(key, owner, error, retryAt) {
      const now = new Date().toISOString();
      await db
        .updateTable('harvest_windows')
        .set((eb) => ({
          status: 'failed',
          claimed_by: null,
          lease_until: null,
          attempts: eb('attempts', '+', 1),
          errors: eb('errors', '+', 1),
          last_error: error.slice(0, 2000),
          run_after: retryAt,
          updated_at: now,
        }))
        .where('key', '=', key)
        .where('claimed_by', '=', owner)
        .execute();
    },

    async anyClaimable(keys) {
      const now = new Date().toISOString();
      for (let i = 0; i < keys.length; i += 500) {
        const rows = await db
          .selectFrom('harvest_windows')
          .select(['status', 'run_after', 'claimed_by', 'lease_until'])
          .where('key', 'in', keys.slice(i, i + 500))
          .execute();
        const ready = rows.some((r) =>
          r.status === 'running'
            ? !r.lease_until || r.lease_until <= now || ownerIsDead(r.claimed_by)
            : (r.status === 'pending' || r.status === 'failed') && r.run_after <= now,
        );
        if (ready) return true;
      }
      return false;
    },

    async lastDoneDay() {
      const row = await db
        .selectFrom('harvest_windows')
        .select((eb) => eb.fn.max('day').as('day'))
        .where('status', '=', 'done')
        .executeTakeFirst();
      return (row?.day as string | null | undefined) ?? null;
    },

    async stats() {
      const now = new Date().toISOString();
      const sums = await db
        .selectFrom('harvest_windows')
        .select((eb) => [
          eb.fn.coalesce(eb.fn.sum<number>('requests'), eb.lit(0)).as('requests'),
          eb.fn.coalesce(eb.fn.sum<number>('errors'), eb.lit(0)).as('errors'),
          eb.fn.coalesce(eb.fn.sum<number>('inserted'), eb.lit(0)).as('inserted'),
          eb.fn.coalesce(eb.fn.sum<number>('updated'), eb.lit(0)).as('updated'),
          eb.fn.coalesce(eb.fn.sum<number>('unchanged'), eb.lit(0)).as('unchanged'),
          eb.fn.coalesce(eb.fn.sum<number>('rejected'), eb.lit(0)).as('rejected'),
          eb.fn.max('finished_at').as('last_success'),
        ])
        .executeTakeFirstOrThrow();
      const byStatus = await db
        .selectFrom('harvest_windows')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      const count = (s: string) => Number(byStatus.find((r) => r.status === s)?.n ?? 0);
      const due = await db
        .selectFrom('harvest_windows')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', 'in', ['pending', 'failed'])
        .where('run_after', '<=', now)
        .executeTakeFirstOrThrow();
      const lastErr = await db
        .selectFrom('harvest_windows')
        .select('last_error')
        .where('status', '=', 'failed')
        .orderBy('updated_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return {
        requests: Number(sums.requests),
        errors: Number(sums.errors),
        inserted: Number(sums.inserted),
        updated: Number(sums.updated),
        unchanged: Number(sums.unchanged),
        rejected: Number(sums.rejected),
        windowsDone: count('done'),
        windowsFailed: count('failed'),
        queueDepth: Number(due.n),
        running: count('running'),
        lastSuccessAt: (sums.last_success as string | null) ?? null,
        lastError: lastErr?.last_error ?? null,
      };
    },

    async get(key) {
      const row = await db.selectFrom('harvest_windows').selectAll().where('key', '=', key).executeTakeFirst();
      return row ? toWindow(row) : null;
    },
  };
}
