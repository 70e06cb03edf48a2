import type { Config } from '../config.js';
import type { Database } from '../storage/database.js';
import type { PaperStore } from '../papers/store.js';
import { createProgress } from '../util/progress.js';
import { createHarvester } from './harvester.js';
import { drainWindows, formatTotals } from './harvest.js';
import { isDay, planHarvest } from './harvest-plan.js';
import { processOwner } from './harvest-store.js';

// `paperboy harvest [--from D] [--until D] [--once]`: plan the windows, run them here with a
// progress line, print a summary. Without --once the process then stays up as worker and
// scheduler, harvesting daily.

export interface HarvestCommandOptions {
  from?: string;
  until?: string;
  quiet?: boolean;
  signal?: AbortSignal;
}

export async function harvestOnce(ctx: { config: Config; database: Database; papers: PaperStore }, opts: HarvestCommandOptions): Promise<number> {
  for (const [flag, v] of [
    ['--from', opts.from],
    ['--until', opts.until],
  ] as const) {
    if (v !== undefined && !isDay(v)) throw new Error(`harvest: ${flag} wants a date as YYYY-MM-DD, not ${JSON.stringify(v)}`);
  }
  const harvester = createHarvester(ctx, (line) => console.error(line));
  if (!harvester.settings.contact) console.error('harvest: ARXIV_CONTACT is not set; arXiv asks harvesters to name a contact in the User-Agent');
  const plan = await planHarvest(harvester.windows, harvester.settings, { from: opts.from, until: opts.until });
  const progress = createProgress(`harvest ${plan.from}..${plan.until}`, 'papers', process.stderr, !opts.quiet);
  let papers = 0;
  let windowsDone = 0;
  harvester.onPage = (_w, page) => {
    papers += page.records + page.rejected;
    if (page.last) windowsDone++;
    progress.update(papers, Math.min(1, (windowsDone + (page.last ? 0 : (page.fraction ?? 0))) / Math.max(1, plan.keys.length)));
  };
  const totals = await drainWindows(harvester, processOwner(), harvester.settings.workerConcurrency, plan.keys, opts.signal);
  progress.finish();
  console.log(formatTotals(totals));
  if (totals.windows === 0) console.log('harvest: no window was due (another process may be running them)');
  for (const f of totals.failures) console.error(`harvest: failed ${f} (will be retried)`);
  return totals.failed ? 1 : 0;
}
