import fs from 'node:fs';
import type { Config } from '../config.js';
import type { Database } from '../storage/database.js';
import type { PaperStore } from '../papers/store.js';
import { createHarvestStore } from './harvest-store.js';
import { type CallBudget, createPoliteHttp, HttpError, userAgent, type PoliteHttp } from './polite-http.js';
import { harvestSettings } from './settings.js';
import { databaseTurns } from './shared-slots.js';
import { autoFeatureHook, type FeedSubmitter } from './auto-feature.js';
import { communitySubmitter } from './auto-feature-community.js';
import { createCommunity } from '../community/community.js';
import { fetchPaperById } from './arxiv-api.js';
import { type PaperFetcher, PaperSourceUnavailable } from '../community/submissions.js';
import type { HarvestDeps } from './harvest.js';
import { createGithubClient, type GithubClient } from './github.js';

// Wiring of the harvest from the settings. One polite HTTP client per process, shared by all jobs
// and /submit's fetcher: src/main.ts builds it (createArxivHttp) and passes it to both.

const VERSION: string = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;

/** database: share the request pace with every other process on it (recommended). */
export function createArxivHttp(config: Config, database?: Database): PoliteHttp {
  const s = harvestSettings(config);
  return createPoliteHttp({
    sharedTurn: database && s.requestIntervalMs > 0 ? databaseTurns(database) : undefined,
    userAgent: userAgent(VERSION, s.contact),
    intervalMs: s.requestIntervalMs,
    timeoutMs: s.timeoutMs,
    maxRetries: s.maxRetries,
    backoffMs: s.backoffMs,
  });
}

/**
 * deps.http: the process's arXiv client, and submitter: the auto-feature's, from the process's community
 * (a one-shot command without them gets its own).
 */
export function createHarvester(
  deps: { config: Config; database: Database; papers: PaperStore; http?: PoliteHttp },
  log: (line: string) => void,
  submitter?: FeedSubmitter | null,
): HarvestDeps {
  const settings = harvestSettings(deps.config);
  if (submitter === undefined) submitter = settings.autoCategories.length ? communitySubmitter(createCommunity(deps.database, deps.papers, deps.config)) : null;
  return {
    papers: deps.papers,
    windows: createHarvestStore(deps.database),
    http: deps.http ?? createArxivHttp(deps.config, deps.database),
    settings,
    log,
    onNewPapers: autoFeatureHook(settings.autoCategories, submitter, log),
  };
}

/** The GitHub client of the stars job, or null when GITHUB_STARS (auto: GITHUB_TOKEN set) says no refresh. */
export function githubStarsClient(config: Config): GithubClient | null {
  const on = config.githubStars === 'on' || (config.githubStars === 'auto' && config.githubToken !== '');
  if (!on) return null;
  return createGithubClient({ apiUrl: config.githubApiUrl, token: config.githubToken, userAgent: userAgent(VERSION, harvestSettings(config).contact) });
}

/**
 * /submit's budget for one paper: a person waits on the form, so a few seconds in all (the turn
 * after the harvest's requests to arXiv included), not the harvest's minutes of retries (ARXIV_TIMEOUT_MS
 * 30 s and six tries kept a submit of an unreachable arXiv waiting 40 s, then answered 500).
 */
export const SUBMIT_FETCH_BUDGET: CallBudget = { timeoutMs: 4000, maxRetries: 1, backoffMs: 250, deadlineMs: 6000 };

/**
 * /submit's fetcher for papers not yet harvested: one API request by id, on the process's arXiv
 * client, within SUBMIT_FETCH_BUDGET. arXiv refusing the id (a 4xx) means it has no such paper.
 */
export function arxivPaperFetcher(config: Config, http: PoliteHttp, budget: CallBudget = SUBMIT_FETCH_BUDGET): PaperFetcher {
  const { apiUrl } = harvestSettings(config);
  return async (arxivId) => {
    try {
      return await fetchPaperById(http, apiUrl, arxivId, budget);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      if (e.status !== null && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429) return null;
      throw new PaperSourceUnavailable(`harvest: arXiv did not answer for ${arxivId}: ${e.message}`);
    }
  };
}
