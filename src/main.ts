import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { openDatabase, type Database } from './storage/database.js';
import { assertSchemaCurrent } from './storage/migrate.js';
import { createPaperStore, type PaperStore } from './papers/store.js';
import { buildApp } from './web/app.js';
import { startJobRoles, type JobRoles } from './jobs/roles.js';
import { createCommunity } from './community/community.js';
import { arxivPaperFetcher } from './ingest/harvester.js';

// Composition root: config -> database -> stores -> services, and the roles SERVICES names.

export interface Context {
  config: Config;
  database: Database;
  papers: PaperStore;
}

export async function openContext(config: Config): Promise<Context> {
  const database = await openDatabase(config.databaseUrl);
  return { config, database, papers: createPaperStore(database) };
}

export interface Running {
  app: FastifyInstance | null;
  stop(): Promise<void>;
}

/** Start the roles in SERVICES on an up-to-date schema; returns a handle that stops them in order. */
export async function startServices(ctx: Context, log: (line: string) => void = console.log): Promise<Running> {
  await assertSchemaCurrent(ctx.database);
  let app: FastifyInstance | null = null;
  if (ctx.config.services.includes('web')) {
    // /submit fetches a paper that is not harvested yet from the arXiv API.
    app = await buildApp({ ...ctx, community: createCommunity(ctx.database, ctx.papers, ctx.config, { fetcher: arxivPaperFetcher(ctx.config) }) });
    await app.listen({ port: ctx.config.port, host: ctx.config.host });
    const shown = ctx.config.host === '0.0.0.0' || ctx.config.host === '::' ? 'localhost' : ctx.config.host;
    log(`paperboy: serving http://${shown}:${(app.server.address() as { port: number }).port} (${ctx.database.dialect})`);
  }
  let jobs: JobRoles | null = null;
  if (ctx.config.services.includes('worker') || ctx.config.services.includes('scheduler')) jobs = await startJobRoles(ctx, log);
  return {
    app,
    async stop() {
      if (app) await app.close();
      if (jobs) await jobs.stop();
      await ctx.database.close();
    },
  };
}
