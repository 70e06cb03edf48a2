import path from 'node:path';
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { openDatabase, type Database } from './storage/database.js';
import { assertSchemaCurrent } from './storage/migrate.js';
import { createPaperStore, type PaperStore } from './papers/store.js';
import { buildApp } from './web/app.js';
import type { AppDeps } from './web/deps.js';
import { createSubscribeLimits } from './web/digest-web.js';
import { createPageCache, type PageCache } from './web/page-cache.js';
import { createJobRunner, type JobRunner } from './jobs/runner.js';
import { processJobs } from './jobs/definitions.js';
import { createCommunity } from './community/community.js';
import type { PaperFetcher } from './community/submissions.js';
import { arxivPaperFetcher, createArxivHttp, createHarvester } from './ingest/harvester.js';
import { createPaperOnDemand } from './ingest/on-demand.js';
import { openThumbnails } from './ingest/thumbnails.js';
import { communitySubmitter } from './ingest/auto-feature-community.js';
import type { HarvestDeps } from './ingest/harvest.js';
import type { PoliteHttp } from './ingest/polite-http.js';
import { createMailer, type Mailer } from './digest/mailer.js';
import { readSenderSettings } from './digest/send.js';
import { createDigestService } from './digest/service.js';
import { BASE_MODEL_FILE } from './search/corpus-model/base.js';
import { type EmbedderSource, openEmbedderSource } from './search/embedders/embedder.js';
import { createSearchService, type SearchService } from './search/service.js';
import { type SearchThreads, startSearchThreads } from './search/threads/pool.js';
import { assertDataDirWritable } from './util/data-dir.js';
import { createSearchAnswers } from './search/answers.js';
import { createRecommender } from './recommend/recommender.js';
import { createRecommendService, type RecommendService } from './recommend/service.js';
import { createDigestSource } from './digest/sources.js';
import type { ForYouPicker } from './digest/send.js';
import { createAuthorIndex } from './follow/author-index.js';
import { createFollows, type Follows } from './follow/follows.js';

// Composition root: config -> database -> stores -> services, and the roles SERVICES names.
// The services of a server process are built here once (wireServices) and passed down; only
// one-shot commands (src/cli.ts) build the few they need themselves.

export interface Context {
  config: Config;
  database: Database;
  papers: PaperStore;
  search: SearchService;
  /** the embedder model as it changes (a retrained corpus model) */
  embedders: EmbedderSource;
  /** the search threads (SEARCH_THREADS; null: searches run on the main thread) */
  searchThreads?: SearchThreads | null;
}

/** The in-memory lexical index's file in DATA_DIR (loaded by every web process, left built by `paperboy import`). */
export function lexicalIndexFile(config: Config): string {
  return path.join(config.dataDir, 'models', 'lexical.bm25');
}

export async function openContext(config: Config): Promise<Context> {
  const database = await openDatabase(config.databaseUrl);
  const papers = createPaperStore(database);
  // Search must not keep the site down: without an embedder it serves lexical results.
  const embedders = await openEmbedderSource(
    config.embedder,
    config.dataDir,
    config.embedderModel,
    database,
    config.embedderBase ? BASE_MODEL_FILE : null,
  ).catch((e: Error): EmbedderSource => {
    console.error(`${e.message}; searching by words only`);
    return { latest: () => null, poll: async () => false, file: null };
  });
  const threadCount = config.searchThreads === 'auto' ? os.availableParallelism() : Number(config.searchThreads);
  // Started on first use, one at a time as searches overlap: a CLI search starts one.
  const searchThreads = threadCount > 0 ? startSearchThreads(threadCount) : null;
  const search = createSearchService({
    database,
    papers,
    threads: searchThreads,
    embedder: embedders.latest(),
    vectorIndexPath: path.join(config.dataDir, 'models', 'vectors.ivf'),
    lexicalIndexPath: lexicalIndexFile(config),
    lexicalIndexSeed: config.lexicalIndexSeed || null,
  });
  return { config, database, papers, search, embedders, searchThreads };
}

/** What tests may put in place of the wiring's own (src/testing/test-app.ts); main passes only `log`. */
export interface WireOptions {
  log?: (line: string) => void;
  mailer?: Mailer;
  /** the community's clock */
  now?: () => Date;
  sessionSecret?: string;
  /** /submit's fetcher for papers not harvested yet; null fetches nothing (tests stay offline) */
  fetcher?: PaperFetcher | null;
  /** the anonymous page cache (a test's, with its own clock) */
  pageCache?: PageCache;
}

/** The services of a process: what the web handlers use (AppDeps) and what the jobs use. */
export interface Services extends Omit<AppDeps, 'jobs'> {
  embedders: EmbedderSource;
  /** the one polite arXiv client of the process: the harvest jobs and /submit's fetcher share its pace */
  arxivHttp: PoliteHttp;
  harvester: HarvestDeps;
  /** closes the mail transport; the database is the context's to close */
  close(): void;
}

export function wireServices(ctx: Context, o: WireOptions = {}): Services {
  const { config, database, papers } = ctx;
  const log = o.log ?? console.log;
  const arxivHttp = createArxivHttp(config, database);
  // Without SMTP_URL mail lands in DATA_DIR/outbox; the log names the file.
  const mailer =
    o.mailer ?? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, pool: readSenderSettings(config).concurrency, log });
  const fetcher = o.fetcher === undefined ? arxivPaperFetcher(config, arxivHttp) : (o.fetcher ?? undefined);
  const community = createCommunity(database, papers, config, { now: o.now, fetcher });
  const recommend = openRecommend(ctx, o.now);
  const authors = createAuthorIndex(database);
  const follows = openFollows(ctx, authors, o.now);
  const digests = createDigestService(config, database, {
    mailer,
    log,
    forYou: digestForYou(recommend, database),
    following: digestFollowing(follows, database),
  });
  const pageCache = o.pageCache ?? createPageCache({ maxBytes: config.pageCacheMb * 2 ** 20, staleMs: config.pageCacheStaleMs });
  // FEED_AUTO_CATEGORIES: harvested papers are featured through this community's own submissions.
  const harvester = createHarvester({ ...ctx, http: arxivHttp }, log, config.feedAutoCategories.length ? communitySubmitter(community) : null);
  return {
    ...ctx,
    arxivHttp,
    harvester,
    mailer,
    digests,
    community,
    recommend,
    authors,
    follows,
    harvestWindows: harvester.windows,
    subscribeLimits: createSubscribeLimits(database),
    // The digest links' secret: SESSION_SECRET, or the one generated into DATA_DIR.
    sessionSecret: o.sessionSecret ?? digests.secret,
    pageCache,
    onDemand: createPaperOnDemand({ papers, fetcher: fetcher ?? null, log }),
    thumbnails: openThumbnails(config, database.db, arxivHttp, log),
    searchAnswers: createSearchAnswers(ctx.search, {
      // With search threads, one more search than threads keeps them busy; without, one at a time.
      concurrency: config.searchConcurrency || (ctx.searchThreads ? ctx.searchThreads.size + 1 : 1),
      queue: config.searchQueue,
      cacheBytes: config.searchCacheMb * 1024 * 1024,
    }),
    close() {
      pageCache.close();
      digests.close();
    },
  };
}

/** For you: one recommender per process (it keeps the papers it has seen and the word statistics). */
export function openRecommend(ctx: Context, now?: () => Date): RecommendService {
  const { database, papers, config } = ctx;
  return createRecommendService({
    database,
    papers,
    recommender: createRecommender(database, papers, () => ctx.embedders.latest()),
    timeZone: config.feedTimezone,
    now,
  });
}

/** The digest's For-you sections from the member's own ranking (src/recommend/service.ts). */
export function digestForYou(recommend: RecommendService, database: Database): ForYouPicker {
  const source = createDigestSource(database);
  return {
    async pick(email, period, limit) {
      const ranked = await recommend.forEmail(email, period.start, period.end, limit);
      const upvotes = await source.upvotes(ranked.map((r) => r.id));
      return ranked.map((r) => ({ paper: r.paper, upvotes: upvotes.get(r.id) ?? 0, reason: r.reason }));
    },
  };
}

/** Following (src/follow/): a saved search brings its newest matches, through the search service. */
export function openFollows(ctx: Context, authors = createAuthorIndex(ctx.database), now?: () => Date): Follows {
  return createFollows({
    database: ctx.database,
    authors,
    now,
    search: async (q, limit) => (await ctx.search.search({ q, limit, sort: 'date' })).papers.map((h) => h.paper),
  });
}

/** The digest's Following section: what a member's follows brought in the period (src/follow/follows.ts). */
export function digestFollowing(follows: Follows, database: Database): ForYouPicker {
  const source = createDigestSource(database);
  return {
    async pick(email, period, limit) {
      const user = await database.db.selectFrom('users').select('id').where('email', '=', email.toLowerCase()).executeTakeFirst();
      if (!user) return [];
      const { items } = await follows.following(Number(user.id), { offset: 0, limit, since: period.start, until: period.end });
      const upvotes = await source.upvotes(items.map((i) => i.paper.id));
      return items.map((i) => ({ paper: i.paper, upvotes: upvotes.get(i.paper.id) ?? 0, reason: `Following: ${i.via.join(', ')}` }));
    },
  };
}

export interface Running {
  app: FastifyInstance | null;
  /** this process's jobs, by kind */
  jobs: JobRunner;
  stop(): Promise<void>;
}

/** Start the roles in SERVICES on an up-to-date schema; returns a handle that stops them in order. */
export async function startServices(ctx: Context, log: (line: string) => void = console.log, wiring: Omit<WireOptions, 'log'> = {}): Promise<Running> {
  await assertSchemaCurrent(ctx.database);
  assertDataDirWritable(ctx.config.dataDir);
  const services = wireServices(ctx, { ...wiring, log });
  const roles = ctx.config.services;
  // The jobs are planned once the web role listens (their start-up lines follow its own).
  let jobs: JobRunner | null = null;
  let app: FastifyInstance | null = null;
  if (roles.includes('web')) {
    app = await buildApp({ ...services, jobs: { states: () => jobs?.states() ?? [] } });
    await app.listen({ port: ctx.config.port, host: ctx.config.host });
    const shown = ctx.config.host === '0.0.0.0' || ctx.config.host === '::' ? 'localhost' : ctx.config.host;
    log(`paperboy: serving http://${shown}:${(app.server.address() as { port: number }).port} (${ctx.database.dialect})`);
    // For you: the word statistics take seconds on a large instance; counted now rather than in the first member's request.
    services.recommend.warm().catch((e: Error) => log(`recommend: warming up failed (the first For-you request will do it): ${e.message}`));
    // Load (or build) the in-memory lexical index now, not at the first search, which the fallback answers meanwhile.
    ctx.search.startLexicalIndex?.();
  }
  const runner = createJobRunner(processJobs(services, roles, log), { log });
  jobs = runner;
  runner.start();
  return {
    app,
    jobs: runner,
    async stop() {
      if (app) await app.close();
      await runner.stop();
      services.close();
      await ctx.searchThreads?.close();
      await ctx.database.close();
    },
  };
}
