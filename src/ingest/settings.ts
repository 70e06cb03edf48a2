import type { Config } from '../config.js';

// The harvest's settings, taken from the typed config in one place (the harvest's own names).

export interface HarvestSettings {
  apiUrl: string;
  oaiUrl: string;
  contact: string;
  categories: string[];
  sources: Array<'api' | 'oai'>;
  requestIntervalMs: number;
  timeoutMs: number;
  maxRetries: number;
  backoffMs: number;
  harvestTime: string;
  harvestTimezone: string;
  lookbackDays: number;
  pageSize: number;
  workerConcurrency: number;
  workerPollMs: number;
  autoCategories: string[];
}

export function harvestSettings(config: Config): HarvestSettings {
  return {
    apiUrl: config.arxivApiUrl,
    oaiUrl: config.arxivOaiUrl,
    contact: config.arxivContact,
    categories: config.arxivCategories,
    sources: config.harvestSources,
    requestIntervalMs: config.arxivRequestIntervalMs,
    timeoutMs: config.arxivTimeoutMs,
    maxRetries: config.arxivMaxRetries,
    backoffMs: config.arxivBackoffMs,
    harvestTime: config.harvestTime,
    harvestTimezone: config.harvestTimezone,
    lookbackDays: config.harvestLookbackDays,
    pageSize: config.harvestPageSize,
    workerConcurrency: config.workerConcurrency,
    workerPollMs: config.workerPollMs,
    autoCategories: config.feedAutoCategories,
  };
}
