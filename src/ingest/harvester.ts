import fs from 'node:fs';
import type { Config } from '../config.js';
import type { Database } from '../storage/database.js';
import type { PaperStore } from '../papers/store.js';
import { createHarvestStore } from './harvest-store.js';
import { createPoliteHttp, userAgent, type PoliteHttp } from './polite-http.js';
import { harvestSettings } from './settings.js';
import { autoFeatureHook, type FeedSubmitter } from './auto-feature.js';
import type { HarvestDeps } from './harvest.js';

// Wiring of the harvest from the settings: one polite HTTP client per process, shared by all jobs.

const VERSION: string = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;

export function createArxivHttp(config: Config): PoliteHttp {
  const s = harvestSettings(config);
  return createPoliteHttp({
    userAgent: userAgent(VERSION, s.contact),
    intervalMs: s.requestIntervalMs,
    timeoutMs: s.timeoutMs,
    maxRetries: s.maxRetries,
    backoffMs: s.backoffMs,
  });
}

export function createHarvester(
  deps: { config: Config; database: Database; papers: PaperStore },
  log: (line: string) => void,
  submitter: FeedSubmitter | null = null,
): HarvestDeps {
  const settings = harvestSettings(deps.config);
  return {
    papers: deps.papers,
    windows: createHarvestStore(deps.database),
    http: createArxivHttp(deps.config),
    settings,
    log,
    onNewPapers: autoFeatureHook(settings.autoCategories, submitter, log),
  };
}
