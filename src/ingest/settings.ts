import type { Config } from '../config.js';

// The harvest's settings, read from the validated config table (config.raw) in one place.

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

const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

export function harvestSettings(config: Config): HarvestSettings {
  const r = config.raw;
  return {
    apiUrl: r.ARXIV_API_URL,
    oaiUrl: r.ARXIV_OAI_URL,
    contact: r.ARXIV_CONTACT,
    categories: list(r.ARXIV_CATEGORIES),
    sources: list(r.HARVEST_SOURCES) as Array<'api' | 'oai'>,
    requestIntervalMs: Number(r.ARXIV_REQUEST_INTERVAL_MS),
    timeoutMs: Number(r.ARXIV_TIMEOUT_MS),
    maxRetries: Number(r.ARXIV_MAX_RETRIES),
    backoffMs: Number(r.ARXIV_BACKOFF_MS),
    harvestTime: r.HARVEST_TIME,
    harvestTimezone: r.HARVEST_TIMEZONE,
    lookbackDays: Number(r.HARVEST_LOOKBACK_DAYS),
    pageSize: Number(r.HARVEST_PAGE_SIZE),
    workerConcurrency: Number(r.WORKER_CONCURRENCY),
    workerPollMs: Number(r.WORKER_POLL_MS),
    autoCategories: list(r.FEED_AUTO_CATEGORIES),
  };
}
