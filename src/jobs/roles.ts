import type { Config } from '../config.js';
import { LEASE_MS, runWindow, type HarvestDeps } from '../ingest/harvest.js';
import { planHarvest } from '../ingest/harvest-plan.js';
import { processOwner } from '../ingest/harvest-store.js';
import { startWorkerPool } from './worker-pool.js';
import { startScheduler } from './scheduler.js';
import type { DigestService } from '../digest/service.js';

// The `worker` and `scheduler` roles of SERVICES. Both work from database state only, so they
// may run in different processes or on different hosts.

export interface JobRoles {
  stop(): Promise<void>;
}

/** harvester and digests: the process's own (src/main.ts), the harvester with its one polite arXiv client. */
export async function startJobRoles(ctx: { config: Config; harvester: HarvestDeps; digests: DigestService }, log: (line: string) => void): Promise<JobRoles> {
  const { services } = ctx.config;
  const { harvester, digests } = ctx;
  const stops: Array<() => Promise<void> | void> = [];
  if (services.includes('worker')) {
    const owner = processOwner();
    const pool = startWorkerPool({
      concurrency: harvester.settings.workerConcurrency,
      pollMs: harvester.settings.workerPollMs,
      log,
      async runNext(slot, signal) {
        const me = `${owner}#${slot}`;
        const w = await harvester.windows.claim(me, LEASE_MS);
        if (!w) return false;
        const r = await runWindow(harvester, w, me, signal);
        log(`worker: ${w.key} ${r.status}: ${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejected} rejected, ${r.requests} request(s)`);
        return true;
      },
    });
    stops.push(() => pool.stop());
    log(`paperboy: worker running (${harvester.settings.workerConcurrency} at a time)`);
  }
  // arXiv asks harvesters to say who they are: against the public arXiv, the scheduled harvest
  // waits for ARXIV_CONTACT (this also keeps an offline `npm start` demo from calling out).
  const s = harvester.settings;
  const publicArxiv = [s.apiUrl, s.oaiUrl].some((u) => /(^|\.)arxiv\.org$/i.test(new URL(u).hostname));
  if (services.includes('scheduler') && publicArxiv && !s.contact) {
    log('scheduler: the daily harvest is off until ARXIV_CONTACT is set (arXiv asks for a contact in the User-Agent)');
  } else if (services.includes('scheduler')) {
    const scheduler = await startScheduler({
      time: harvester.settings.harvestTime,
      timeZone: harvester.settings.harvestTimezone,
      log,
      async tick() {
        const p = await planHarvest(harvester.windows, harvester.settings);
        log(`scheduler: planned harvest ${p.from}..${p.until}: ${p.created} new window(s), ${p.reopened} re-opened`);
      },
    });
    stops.unshift(() => scheduler.stop());
  }
  if (services.includes('scheduler')) {
    // Digests go out from DIGEST_HOUR in the feed's time zone. runDue is idempotent and claims
    // each (subscriber, period) before sending, so several schedulers never send one twice.
    const hour = String(digests.settings.digestHour).padStart(2, '0');
    const digestScheduler = await startScheduler({
      name: 'digests',
      time: `${hour}:00`,
      timeZone: ctx.config.feedTimezone,
      log,
      async tick() {
        const r = await digests.runDue();
        log(`scheduler: digests ${JSON.stringify(r)}`);
      },
    });
    stops.unshift(() => digestScheduler.stop());
  }
  return {
    async stop() {
      for (const s of stops) await s();
    },
  };
}
