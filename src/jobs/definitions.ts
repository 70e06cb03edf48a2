import type { Config } from '../config.js';
import type { Database } from '../storage/database.js';
import { LEASE_MS, runWindow, type HarvestDeps } from '../ingest/harvest.js';
import { planHarvest } from '../ingest/harvest-plan.js';
import type { DigestService } from '../digest/service.js';
import { BASE_MODEL_FILE } from '../search/corpus-model/base.js';
import type { Embedder, EmbedderSource } from '../search/embedders/embedder.js';
import type { SearchService } from '../search/service.js';
import { buildSearchIndex, formatBuild, searchIndexState } from '../search/lexical/index.js';
import { papersMissingVectors, putVectors } from '../search/vectors/vector-store.js';
import { RETRAIN_BUSY_RETRY_MS, RETRAIN_CHECK_MS, retrainIfDue, type RetrainOptions } from '../search/retrain.js';
import { backfillCodeLinks } from '../papers/store.js';
import type { GithubClient } from '../ingest/github.js';
import { refreshStars } from '../ingest/github-stars.js';
import { githubStarsClient } from '../ingest/harvester.js';
import { type SummaryModel, summaryModelFor } from '../ingest/summary-model.js';
import { redoOtherModels, summariseNext, untilNextUtcDay } from '../ingest/llm-summaries.js';
import { processOwner } from '../util/process-owner.js';
import { jobsForRoles, type JobDefinition } from './runner.js';
import type { AuthorIndex } from '../follow/author-index.js';
import type { Thumbnails } from '../ingest/thumbnails.js';

// Every job kind a Paperboy process runs, with its roles (SERVICES), its cadence and its run.
// The harvest and digest jobs work from database state only, so the worker and scheduler roles
// may run in different processes or on different hosts.

/** How often the worker looks for an index build left behind, and for papers without vectors. */
export const INDEX_EVERY_MS = 60_000;
export const EMBED_EVERY_MS = 60_000;
/** How often a process looks at the model file and at how far the new model's vectors have come. */
export const FOLLOW_EVERY_MS = 30_000;

/** Let requests in between batches: SQLite calls are synchronous. */
const yieldToRequests = () => new Promise<void>((r) => setImmediate(r));

/** Worker role: claims due harvest windows (leases in harvest_windows) and runs them, `workerConcurrency` at a time. */
export function harvestWindowsJob(harvester: HarvestDeps, log: (line: string) => void, owner = processOwner()): JobDefinition {
  return {
    name: 'harvest',
    roles: ['worker'],
    cadence: { kind: 'queue', concurrency: harvester.settings.workerConcurrency, pollMs: harvester.settings.workerPollMs },
    failed: (m) => `worker: job failed: ${m}`,
    async run({ slot, signal }) {
      const me = `${owner}#${slot}`;
      const w = await harvester.windows.claim(me, LEASE_MS);
      if (!w) return { idle: true };
      const r = await runWindow(harvester, w, me, signal);
      log(`worker: ${w.key} ${r.status}: ${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejected} rejected, ${r.requests} request(s)`);
    },
  };
}

/** Scheduler role: writes the harvest windows due (a catch-up at start, then daily after arXiv's announcement). */
export function harvestPlanJob(harvester: HarvestDeps, log: (line: string) => void): JobDefinition {
  const s = harvester.settings;
  return {
    name: 'harvest-plan',
    roles: ['scheduler'],
    cadence: { kind: 'daily', at: s.harvestTime, timeZone: s.harvestTimezone },
    failed: (m) => `scheduler: harvest failed: ${m}`,
    planned: (next) => `scheduler: next harvest at ${next.toISOString()} (${s.harvestTime} ${s.harvestTimezone})`,
    async run() {
      const p = await planHarvest(harvester.windows, s);
      log(`scheduler: planned harvest ${p.from}..${p.until}: ${p.created} new window(s), ${p.reopened} re-opened`);
    },
  };
}

/**
 * Scheduler role: digests go out from DIGEST_HOUR in the feed's time zone. runDue is idempotent
 * and claims each (subscriber, period) before sending, so several schedulers never send one twice.
 */
export function digestsJob(digests: DigestService, timeZone: string, log: (line: string) => void): JobDefinition {
  const at = `${String(digests.settings.digestHour).padStart(2, '0')}:00`;
  return {
    name: 'digests',
    roles: ['scheduler'],
    cadence: { kind: 'daily', at, timeZone },
    failed: (m) => `scheduler: digests failed: ${m}`,
    planned: (next) => `scheduler: next digests at ${next.toISOString()} (${at} ${timeZone})`,
    async run() {
      const r = await digests.runDue();
      log(`scheduler: digests ${JSON.stringify(r)}`);
    },
  };
}

/**
 * Worker role: builds the index of papers left pending by an import that is no longer running
 * (killed before its own build finished). A live import builds its own.
 */
export function searchIndexJob(database: Database, log: (line: string) => void, everyMs = INDEX_EVERY_MS): JobDefinition {
  return {
    name: 'search-index',
    roles: ['worker'],
    cadence: { kind: 'every', ms: everyMs },
    failed: (m) => `index: background index build failed: ${m}`,
    async run({ signal }) {
      const s = await searchIndexState(database);
      if ((!s.pending && !s.deferred) || s.importAlive) return;
      const r = await buildSearchIndex(database, { role: 'worker', batchSize: 1000, shouldStop: () => signal.aborted, between: yieldToRequests });
      if (r) log(`${formatBuild(r)}${r.complete ? '' : ' (stopped early)'}`);
    },
  };
}

/**
 * Worker role: embeds the papers that have no vector from the newest model (new imports and
 * harvests, or everything after a model change or retrain).
 */
export function embedJob(database: Database, latest: () => Embedder | null, log: (line: string) => void, everyMs = EMBED_EVERY_MS): JobDefinition {
  return {
    name: 'embed',
    roles: ['worker'],
    cadence: { kind: 'every', ms: everyMs },
    failed: (m) => `embed: background embedding failed: ${m}`,
    async run({ signal }) {
      // The newest model: after a retrain, this re-embeds every paper with it.
      const embedder = latest();
      if (!embedder) return;
      let n = 0;
      try {
        while (!signal.aborted && latest() === embedder) {
          const batch = await papersMissingVectors(database, embedder, 100);
          if (!batch.length) break;
          const vectors = await embedder.embedPapers(batch);
          await putVectors(
            database,
            embedder,
            batch.map((p, i) => ({ id: p.id, vector: vectors[i] })),
          );
          n += batch.length;
          await yieldToRequests();
        }
      } finally {
        if (n) log(`embed: ${n} papers embedded with ${embedder.name}@${embedder.version}`);
      }
    },
  };
}

/**
 * Worker role: retrains the corpus model when the corpus has grown enough (src/search/retrain.ts);
 * one process trains at a time (the lease in embedder_training). While another process holds the
 * claim it looks again sooner, in case that one died; stop() ends a training, which writes nothing then.
 */
export function retrainJob(o: Omit<RetrainOptions, 'shouldStop'> & { everyMs?: number; busyRetryMs?: number }): JobDefinition {
  let busy = false;
  return {
    name: 'retrain',
    roles: ['worker'],
    cadence: { kind: 'every', ms: o.everyMs ?? RETRAIN_CHECK_MS },
    failed: (m) => `retrain: check failed: ${m}`,
    async run({ signal }) {
      // A failed training is logged by retrainIfDue and kept in embedder_training (shown by /healthz).
      const r = await retrainIfDue({ ...o, shouldStop: () => signal.aborted });
      const wasBusy = busy;
      busy = r.status === 'busy';
      if (!busy) return;
      if (!wasBusy) o.log('retrain: due, but another process is training the model; looking again every minute in case it died');
      return { nextInMs: o.busyRetryMs ?? RETRAIN_BUSY_RETRY_MS };
    },
  };
}

/**
 * Worker and web roles: loads a new corpus model when its file changes (a retrain by any process),
 * and (web) moves search to it once nearly every paper has a vector from it; the worker role
 * computes them meanwhile, and search goes on with the old model.
 */
export function modelFollowJob(embedders: EmbedderSource, search: SearchService | null, log: (line: string) => void, everyMs = FOLLOW_EVERY_MS): JobDefinition {
  let waitingFor = '';
  return {
    name: 'model-follow',
    roles: ['worker', 'web'],
    cadence: { kind: 'every', ms: everyMs },
    failed: (m) => `search: following the model file failed: ${m}`,
    async run() {
      if (await embedders.poll()) log(`search: new model ${embedders.latest()?.version} loaded from ${embedders.file}`);
      // A worker without the web role only embeds: it never loads the vectors for searching.
      if (!search) return;
      const next = embedders.latest();
      const r = await search.useEmbedder(next);
      if (r.status === 'switched') log(`search: now searching with ${next?.name}@${next?.version}`);
      if (r.status === 'waiting' && waitingFor !== next?.version) {
        waitingFor = next?.version ?? '';
        log(`search: keeps the previous model until the papers are embedded with ${next?.version} (${r.missing} to go)`);
      }
    },
  };
}

/** How often the worker reads the papers' change feed into the author-name index. */
export const AUTHOR_INDEX_EVERY_MS = 60_000;

/**
 * Worker role: keeps the author-name index (migration 0018) up with the papers' change feed; its
 * first run fills it for the papers that were there before (src/follow/author-index.ts).
 */
export function authorIndexJob(authors: AuthorIndex, log: (line: string) => void, everyMs = AUTHOR_INDEX_EVERY_MS): JobDefinition {
  return {
    name: 'author-index',
    roles: ['worker'],
    cadence: { kind: 'every', ms: everyMs },
    failed: (m) => `follow: updating the author index failed: ${m}`,
    async run() {
      const read = await authors.catchUp();
      if (read > 1000) log(`follow: author index read ${read} paper changes`);
    },
  };
}

/**
 * Worker role: reads the code and project links of the papers stored before links were read at
 * write time (migration 0019), a thousand at a time, until all are read; then it does nothing.
 */
export function codeLinkBackfillJob(database: Database, log: (line: string) => void, everyMs = INDEX_EVERY_MS): JobDefinition {
  let finished = false;
  return {
    name: 'code-link-backfill',
    roles: ['worker'],
    cadence: { kind: 'every', ms: everyMs },
    failed: (m) => `code links: backfill failed: ${m}`,
    async run({ signal }) {
      if (finished) return;
      let read = 0;
      let found = 0;
      for (;;) {
        const r = await backfillCodeLinks(database.db);
        read += r.read;
        found += r.found;
        if (r.done) finished = true;
        if (r.done || signal.aborted) break;
        await yieldToRequests();
      }
      if (read) log(`code links: read ${read} stored papers, ${found} with links${finished ? ' (all read)' : ''}`);
    },
  };
}

/** How often the worker looks for repositories whose star count is due (GITHUB_STARS_REFRESH_HOURS old). */
export const STARS_EVERY_MS = 10 * 60_000;

/**
 * Worker role: refreshes the stars of papers' GitHub repositories through the GitHub API, one
 * request at a time; a spent rate limit ends the run, and the next waits for the reset.
 */
export function githubStarsJob(
  database: Database,
  client: GithubClient,
  refreshHours: number,
  log: (line: string) => void,
  everyMs = STARS_EVERY_MS,
): JobDefinition {
  return {
    name: 'github-stars',
    roles: ['worker'],
    cadence: { kind: 'every', ms: everyMs },
    failed: (m) => `github: stars refresh failed: ${m}`,
    async run({ signal }) {
      const r = await refreshStars(database, client, { refreshMs: refreshHours * 3600_000, shouldStop: () => signal.aborted });
      if (r.asked || r.rateLimitedUntil) {
        log(
          `github: stars of ${r.asked} repositories: ${r.updated} changed, ${r.notModified} unchanged, ${r.gone} gone, ${r.failed} failed${r.rateLimitedUntil ? `; rate limited until ${new Date(r.rateLimitedUntil).toISOString()}` : ''}`,
        );
      }
      if (r.rateLimitedUntil) return { nextInMs: Math.max(everyMs, r.rateLimitedUntil - Date.now()) };
    },
  };
}

/** How often the worker looks for papers to summarise when it found none. */
export const SUMMARIES_EVERY_MS = 60_000;
/** The longest pause after the summary server failed several times in a row. */
export const SUMMARIES_MAX_PAUSE_MS = 30 * 60_000;

/**
 * Worker role: one-line summaries from a language model (SUMMARY_URL), one paper per run, newest
 * first, at most `ratePerMinute` a minute; a failing server makes the job pause longer after each
 * failure in a row (never stop), and a spent daily budget until the next UTC day.
 */
export function summariesJob(
  database: Database,
  model: SummaryModel,
  o: { ratePerMinute: number; dailyBudget: number; owner?: string; now?: () => number },
  log: (line: string) => void,
  everyMs = SUMMARIES_EVERY_MS,
): JobDefinition {
  const gap = Math.ceil(60_000 / o.ratePerMinute);
  const owner = o.owner ?? processOwner('#summaries');
  const now = o.now ?? Date.now;
  let serverFailures = 0;
  let budgetDay = '';
  let modelChecked = false;
  return {
    name: 'summaries',
    roles: ['worker'],
    cadence: { kind: 'every', ms: everyMs },
    failed: (m) => `summaries: job failed: ${m}`,
    async run() {
      if (!modelChecked) {
        const redo = await redoOtherModels(database, model.model);
        if (redo) log(`summaries: ${redo} papers summarised by another model are done again with ${model.model}, newest first`);
        modelChecked = true;
      }
      const r = await summariseNext(database, model, { owner, dailyBudget: o.dailyBudget, now });
      if (r.status === 'idle') return;
      if (r.status === 'budget') {
        const day = new Date(now()).toISOString().slice(0, 10);
        if (budgetDay !== day) log(`summaries: the daily budget of ${o.dailyBudget} papers is spent; next at 00:00 UTC`);
        budgetDay = day;
        return { nextInMs: untilNextUtcDay(now()) + 1000 };
      }
      if (r.status === 'done') {
        serverFailures = 0;
        return { nextInMs: gap };
      }
      log(`summaries: ${r.paperId}: ${r.error} (tried again later)`);
      if (!r.serverFault) return { nextInMs: gap };
      serverFailures++;
      return { nextInMs: Math.min(gap * 2 ** serverFailures, SUMMARIES_MAX_PAUSE_MS) };
    },
  };
}

/** How often the worker looks for thumbnails asked for (a paper shown or opened). */
export const THUMBNAILS_EVERY_MS = 15_000;

/** Worker role (THUMBNAILS=on): draws the thumbnails pages asked for, one PDF at a time at arXiv's pace. */
export function thumbnailsJob(thumbnails: Thumbnails, log: (line: string) => void, everyMs = THUMBNAILS_EVERY_MS): JobDefinition {
  return {
    name: 'thumbnails',
    roles: ['worker'],
    cadence: { kind: 'every', ms: everyMs },
    failed: (m) => `thumbnails: drawing failed: ${m}`,
    async run({ signal }) {
      const r = await thumbnails.drawDue({ shouldStop: () => signal.aborted, log });
      if (r.drawn || r.failed || r.later) log(`thumbnails: ${r.drawn} drawn, ${r.failed} failed, ${r.later} to try again later`);
    },
  };
}

export interface JobServices {
  config: Config;
  database: Database;
  /** the harvest wired with the process's one polite arXiv client */
  harvester: HarvestDeps;
  digests: DigestService;
  search: SearchService;
  embedders: EmbedderSource;
  authors: AuthorIndex;
  thumbnails: Thumbnails | null;
}

/** The jobs of the roles in `services` (SERVICES), in the order they stop. */
export function processJobs(s: JobServices, services: readonly string[], log: (line: string) => void): JobDefinition[] {
  const worker = services.includes('worker');
  const defs: JobDefinition[] = [];
  // arXiv asks harvesters to say who they are: against the public arXiv, the scheduled harvest
  // waits for ARXIV_CONTACT (this also keeps an offline `npm start` demo from calling out).
  const h = s.harvester.settings;
  const publicArxiv = [h.apiUrl, h.oaiUrl].some((u) => /(^|\.)arxiv\.org$/i.test(new URL(u).hostname));
  if (services.includes('scheduler') && publicArxiv && !h.contact) {
    log('scheduler: the daily harvest is off until ARXIV_CONTACT is set (arXiv asks for a contact in the User-Agent)');
  } else {
    defs.push(harvestPlanJob(s.harvester, log));
  }
  defs.push(digestsJob(s.digests, s.config.feedTimezone, log));
  defs.push(harvestWindowsJob(s.harvester, log));
  if (worker) log(`paperboy: worker running (${h.workerConcurrency} at a time)`);
  // Builds the search index of an import that was killed before building it itself.
  defs.push(searchIndexJob(s.database, log));
  defs.push(authorIndexJob(s.authors, log));
  defs.push(codeLinkBackfillJob(s.database, log));
  if (s.thumbnails) {
    // PDFs from the public arXiv, like the harvest: only once the operator is named in the User-Agent.
    if (/(^|\.)arxiv\.org$/i.test(new URL(s.config.arxivPdfUrl).hostname) && !h.contact) {
      if (worker) log('thumbnails: drawing is off until ARXIV_CONTACT is set (arXiv asks for a contact in the User-Agent)');
    } else defs.push(thumbnailsJob(s.thumbnails, log));
  }
  const github = githubStarsClient(s.config);
  if (github) defs.push(githubStarsJob(s.database, github, s.config.githubStarsRefreshHours, log));
  const summaries = summaryModelFor(s.config);
  if (summaries) {
    defs.push(summariesJob(s.database, summaries, { ratePerMinute: s.config.summaryRatePerMinute, dailyBudget: s.config.summaryDailyBudget }, log));
  } else if (worker && (s.config.summaryUrl || s.config.summaryModel)) {
    log('summaries: off until both SUMMARY_URL and SUMMARY_MODEL are set');
  }
  const { embedders } = s;
  const percent = s.config.embedderRetrainPercent;
  if (embedders.file && percent > 0) {
    defs.push(
      retrainJob({
        database: s.database,
        dataDir: s.config.dataDir,
        percent,
        trainedOn: () => embedders.latest()?.papers,
        base: s.config.embedderBase ? { file: BASE_MODEL_FILE, start: s.config.embedderBaseStart } : null,
        owner: processOwner('#retrain'),
        log,
      }),
    );
  }
  if (embedders.latest() || embedders.file) defs.push(embedJob(s.database, () => embedders.latest(), log));
  // A corpus model retrained by any process replaces the model file: follow it (the worker role to
  // embed with it, the web role to search with it).
  if (embedders.file) defs.push(modelFollowJob(embedders, services.includes('web') ? s.search : null, log));
  return jobsForRoles(defs, services);
}
