import type { HarvestSettings } from './settings.js';
import { oaiSetsFor } from './oai-client.js';
import { windowKey, type HarvestStore, type WindowSpec } from './harvest-store.js';

// Which windows a harvest covers. Days are UTC dates, as arXiv's datestamps and submittedDate are.
// Recent days are harvested again on every run, since arXiv still adds to and revises them;
// older days that finished stay finished.

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function isDay(s: string): boolean {
  return DAY.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function daysFrom(from: string, until: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= until; d = addDays(d, 1)) out.push(d);
  return out;
}

export function windowSpecs(settings: Pick<HarvestSettings, 'sources' | 'categories'>, days: string[]): WindowSpec[] {
  const specs: WindowSpec[] = [];
  for (const day of days) {
    if (settings.sources.includes('api')) specs.push({ source: 'api', setSpec: '', day });
    if (settings.sources.includes('oai')) for (const set of oaiSetsFor(settings.categories)) specs.push({ source: 'oai', setSpec: set, day });
  }
  return specs;
}

export interface PlanResult {
  from: string;
  until: string;
  keys: string[];
  created: number;
  reopened: number;
}

/** Plan the windows from..until (default: catch up from the last finished day, plus the recent days). */
export async function planHarvest(
  store: HarvestStore,
  settings: Pick<HarvestSettings, 'sources' | 'categories' | 'lookbackDays'>,
  opts: { from?: string; until?: string; now?: Date } = {},
): Promise<PlanResult> {
  const now = opts.now ?? new Date();
  const today = utcDay(now);
  const recentStart = addDays(today, -(settings.lookbackDays - 1));
  let from = opts.from;
  if (!from) {
    const last = await store.lastDoneDay();
    from = last && addDays(last, 1) < recentStart ? addDays(last, 1) : recentStart;
  }
  const until = opts.until ?? today;
  if (from > until) throw new Error(`harvest: --from ${from} is after --until ${until}`);
  const specs = windowSpecs(settings, daysFrom(from, until));
  // An explicit range is harvested again in full; a catch-up only re-opens the recent days.
  const { created, reopened } = await store.plan(specs, { runAfter: now.toISOString(), reopenFrom: opts.from ? from : recentStart });
  return { from, until, keys: specs.map(windowKey), created, reopened };
}
