#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, describeConfig, loadConfig, type Config } from './config.js';
import { digestFollowing, digestForYou, lexicalIndexFile, openFollows, openContext, openRecommend, startServices, type Context } from './main.js';
import { assertSchemaCurrent, migrate } from './storage/migrate.js';
import { storageFailureCause } from './storage/unavailable.js';
import { importFiles, formatSummary } from './papers/import.js';
import { DEFAULT_COLUMN_WEIGHTS, buildSearchIndex, deferSearchIndexing, formatBuild, refreshFeedIndexFile } from './search/lexical/index.js';
import { loadDemoIfEmpty } from './papers/demo.js';
import { harvestOnce } from './ingest/harvest-command.js';
import { digestCommand, DigestUsageError } from './digest/cli.js';
import { createAccounts } from './community/accounts.js';
import { deleteAccount } from './community/account-delete.js';
import { seedDemoActivity } from './community/demo-activity.js';
import { SEARCH_COMMANDS } from './cli/search-commands.js';
import type { Command } from './cli/command.js';
import { looksLikeBibtex } from './recommend/library-parse.js';
import { createAuthorIndex } from './follow/author-index.js';

// `paperboy <command>`: every job the server runs is also a one-shot command here.

/** Open the database, run fn, close. */
async function withContext<T>(config: Config, fn: (ctx: Context) => Promise<T>): Promise<T> {
  const ctx = await openContext(config);
  try {
    return await fn(ctx);
  } finally {
    await ctx.searchThreads?.close();
    await ctx.database.close();
  }
}

function waitForSignal(stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    const onSignal = (sig: string) => {
      console.log(`paperboy: ${sig}, shutting down`);
      stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

export const COMMANDS: Record<string, Command> = {
  start: {
    summary: 'migrate, load the demo papers into an empty database, and serve (what `npm start` runs)',
    usage: 'paperboy start',
    async run(_args, config) {
      const ctx = await openContext(config);
      await migrate(ctx.database, console.log);
      // Demo activity only on the database the demo papers were just loaded into, never on real data.
      if (config.demoData === 'auto' && (await loadDemoIfEmpty(ctx.papers, console.log))) await seedDemoActivity(ctx, console.log);
      const running = await startServices(ctx);
      return waitForSignal(running.stop);
    },
  },
  serve: {
    summary: 'run the roles in SERVICES (web, worker, scheduler); refuses an out-of-date schema',
    usage: 'paperboy serve',
    async run(_args, config) {
      const ctx = await openContext(config);
      const running = await startServices(ctx).catch(async (e) => {
        await ctx.database.close();
        throw e;
      });
      return waitForSignal(running.stop);
    },
  },
  migrate: {
    summary: 'apply pending database migrations',
    usage: 'paperboy migrate',
    async run(_args, config) {
      await withContext(config, async (ctx) => {
        const done = await migrate(ctx.database, console.log);
        console.log(done.length ? `migrate: ${done.length} applied` : 'migrate: schema is up to date');
      });
    },
  },
  'author-index': {
    summary: "bring the author-name index (/authors/:name, author follows) up to date with the papers; the worker's author-index job does this every minute",
    usage: 'paperboy author-index',
    async run(_args, config) {
      return withContext(config, async (ctx) => {
        await assertSchemaCurrent(ctx.database);
        const started = Date.now();
        const read = await createAuthorIndex(ctx.database).catchUp();
        console.log(`author-index: read ${read} paper changes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return 0;
      });
    },
  },
  import: {
    summary: 'import arXiv metadata: snapshot JSON lines (.jsonl, .gz), API Atom or OAI-PMH XML files',
    usage: 'paperboy import FILE... [--batch-size N] [--quiet]',
    options: { 'batch-size': { type: 'string' }, quiet: { type: 'boolean' } },
    async run({ values, positionals }, config) {
      if (!positionals.length) throw new UsageError('import: name at least one FILE');
      const batchSize = values['batch-size'] === undefined ? 2000 : Number(values['batch-size']);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 50000)
        throw new UsageError('import: --batch-size must be a whole number from 1 to 50000');
      return withContext(config, async (ctx) => {
        await migrate(ctx.database, console.log);
        let shown = 0;
        // Load, then build the search index: papers are in the feed, pages and API as each batch
        // commits; lexical search finds them once the build below has indexed them.
        const deferral = await deferSearchIndexing(ctx.database);
        const build = () => buildSearchIndex(ctx.database, { progress: !values.quiet, deferral });
        const started = process.hrtime.bigint();
        const s = await importFiles(ctx.papers, positionals, {
          batchSize,
          progress: !values.quiet,
          onReject: (file, r) => {
            if (shown++ < 100) console.error(`import: ${file} ${r.where}: ${r.reason}`);
          },
          onBatch: () => deferral.heartbeat(),
          deferSearch: true,
        }).catch(async (e) => {
          // Index what was committed before the failure, so search is not left behind.
          await build().catch(() => {});
          throw e;
        });
        if (s.rejected > shown) console.error(`import: ... and ${s.rejected - shown} more rejected`);
        console.log(`${formatSummary(s)} in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);
        const built = await build();
        if (built) console.log(formatBuild(built));
        // The in-memory lexical index's file, caught up (or built): a web process loads it and
        // catches up, instead of answering from FTS5 / tsvector while it builds one itself.
        const at = process.hrtime.bigint();
        const lexical = await refreshFeedIndexFile(ctx.database, lexicalIndexFile(config), DEFAULT_COLUMN_WEIGHTS);
        console.log(`index: in-memory lexical index of ${lexical.papers} papers saved in ${(Number(process.hrtime.bigint() - at) / 1e9).toFixed(1)} s`);
        lexical.close();
        return 0;
      });
    },
  },
  harvest: {
    summary: 'fetch new arXiv papers (API and OAI-PMH) for ARXIV_CATEGORIES; without --once, stay up and harvest daily',
    usage: 'paperboy harvest [--from YYYY-MM-DD] [--until YYYY-MM-DD] [--once] [--quiet]',
    options: { from: { type: 'string' }, until: { type: 'string' }, once: { type: 'boolean' }, quiet: { type: 'boolean' } },
    async run({ values }, config) {
      const ctx = await openContext(config);
      await migrate(ctx.database, console.log);
      const code = await harvestOnce(ctx, {
        from: values.from as string | undefined,
        until: values.until as string | undefined,
        quiet: Boolean(values.quiet),
      }).catch(async (e) => {
        await ctx.database.close();
        throw e;
      });
      if (values.once) {
        await ctx.database.close();
        return code;
      }
      const running = await startServices({ ...ctx, config: { ...config, services: ['worker', 'scheduler'] } });
      return waitForSignal(running.stop);
    },
  },
  digest: {
    summary: 'email digests: `digest send` sends the digests due today (or --date), `digest preview --to EMAIL` writes one to an HTML file',
    usage:
      'paperboy digest send [--frequency daily|weekly] [--dry-run] [--to EMAIL] [--date YYYY-MM-DD]\n       paperboy digest preview --to EMAIL [--date YYYY-MM-DD]',
    options: { frequency: { type: 'string' }, 'dry-run': { type: 'boolean' }, to: { type: 'string' }, date: { type: 'string' } },
    async run({ values, positionals }, config) {
      return withContext(config, async (ctx) => {
        await assertSchemaCurrent(ctx.database);
        try {
          return await digestCommand(
            positionals[0],
            values,
            config,
            ctx.database,
            digestForYou(openRecommend(ctx), ctx.database),
            digestFollowing(openFollows(ctx), ctx.database),
          );
        } catch (e) {
          if (e instanceof DigestUsageError) throw new UsageError(`digest: ${e.message}`);
          throw e;
        }
      });
    },
  },
  user: {
    summary:
      'accounts: `user create --email E --username U [--admin|--curator] [--token]` prints a one-time sign-in link (and an API token); `user role`; `user delete --username U --yes`',
    usage:
      'paperboy user create --email E --username U [--display-name NAME] [--admin | --curator] [--token]\n       paperboy user role --username U --role member|curator|admin\n       paperboy user delete --username U --yes\n\n--token: also create a personal API token and print it on a line `token: <value>`; for an existing\nuser of that email and username, only that (when they have no token yet)',
    options: {
      email: { type: 'string' },
      username: { type: 'string' },
      'display-name': { type: 'string' },
      admin: { type: 'boolean' },
      curator: { type: 'boolean' },
      role: { type: 'string' },
      token: { type: 'boolean' },
      yes: { type: 'boolean' },
    },
    async run({ values, positionals }, config) {
      if (positionals[0] === 'role' && positionals.length === 1) {
        const role = values.role as 'member' | 'curator' | 'admin' | undefined;
        if (typeof values.username !== 'string' || !role || !['member', 'curator', 'admin'].includes(role))
          throw new UsageError('user role: --username and --role member|curator|admin are required');
        return withContext(config, async (ctx) => {
          const accounts = createAccounts(ctx.database);
          const user = await accounts.getByUsername(values.username as string);
          if (!user) throw new Error(`community: there is no user ${values.username}`);
          await accounts.setRole(user.id, role);
          console.log(`user: ${user.username} is now ${role}`);
          return 0;
        });
      }
      if (positionals[0] === 'delete' && positionals.length === 1) {
        if (typeof values.username !== 'string') throw new UsageError('user delete: --username is required');
        if (!values.yes) throw new UsageError(`user delete: this deletes ${values.username} and all their data for good; add --yes to do it`);
        return withContext(config, async (ctx) => {
          const user = await createAccounts(ctx.database).getByUsername(values.username as string);
          if (!user) throw new Error(`community: there is no user ${values.username}`);
          await deleteAccount(ctx.database, user.id);
          console.log(`user: deleted ${user.username} <${user.email}> and their data`);
          return 0;
        });
      }
      if (positionals[0] !== 'create' || positionals.length !== 1) throw new UsageError('user: subcommands are `create`, `role` and `delete`');
      if (typeof values.email !== 'string' || typeof values.username !== 'string') throw new UsageError('user create: --email and --username are required');
      if (values.admin && values.curator) throw new UsageError('user create: choose --admin or --curator, not both');
      return withContext(config, async (ctx) => {
        await migrate(ctx.database, console.log);
        const accounts = createAccounts(ctx.database);
        // Scripts (checks, the soak suite) run this again: with --token, the same account is reused.
        const existing = values.token ? await accounts.getByEmail(values.email as string) : null;
        if (existing && existing.username !== values.username) {
          throw new Error(`community: an account with ${existing.email} already exists, named ${existing.username}`);
        }
        if (existing) {
          console.log(`user: ${existing.username} <${existing.email}> (${existing.role}) exists`);
        } else {
          const user = await accounts.createUser({
            email: values.email as string,
            username: values.username as string,
            displayName: (values['display-name'] as string | undefined) ?? null,
            role: values.admin ? 'admin' : values.curator ? 'curator' : 'member',
          });
          const { token, expiresAt } = await accounts.createLoginToken(user.email);
          console.log(`user: created ${user.username} <${user.email}> (${user.role})`);
          console.log(`Sign in once, before ${expiresAt}, with:\n${config.baseUrl}/signin/confirm?token=${encodeURIComponent(token)}`);
        }
        if (!values.token) return 0;
        const user = existing ?? (await accounts.getByEmail(values.email as string))!;
        // Only a token's hash is stored: one made earlier cannot be shown again.
        const tokens = await accounts.listApiTokens(user.id);
        if (tokens.length) {
          console.error(
            `user: ${user.username} already has an API token ("${tokens[0].name}", created ${tokens[0].createdAt.slice(0, 10)}), which cannot be shown again; revoke it on ${config.baseUrl}/u/${user.username} for a new one`,
          );
          return 1;
        }
        const { token } = await accounts.createApiToken(user.id, 'paperboy user create');
        console.log(`token: ${token}`);
        return 0;
      });
    },
  },
  library: {
    summary: "For you: `library import --username U FILE` adds a member's own papers (arXiv ids or URLs, or a .bib file) to their signals",
    usage:
      'paperboy library import --username U FILE\n\nFILE: arXiv ids or arxiv.org URLs (one per line, or separated by white space), or BibTeX (entries matched\nby eprint, arXiv URL, DOI or exact title); `-` reads standard input. Each entry not imported is named with\nits line; exit status 3 when some were not.',
    options: { username: { type: 'string' } },
    async run({ values, positionals }, config) {
      if (positionals[0] !== 'import' || positionals.length !== 2) throw new UsageError('library: say `library import --username U FILE`');
      if (typeof values.username !== 'string') throw new UsageError('library import: --username is required');
      const file = positionals[1];
      let text: string;
      try {
        text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (e) {
        throw new UsageError(`library import: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      return withContext(config, async (ctx) => {
        await assertSchemaCurrent(ctx.database);
        const user = await createAccounts(ctx.database).getByUsername(values.username as string);
        if (!user) throw new Error(`community: there is no user ${values.username}`);
        const bibtex = /\.bib$/i.test(file) || looksLikeBibtex(text);
        const r = await openRecommend(ctx).importLibrary(user.id, text, bibtex ? 'bibtex' : 'ids');
        for (const p of r.problems) console.error(`library: ${file === '-' ? 'stdin' : path.basename(file)}:${p.line}: ${p.entry}: ${p.reason}`);
        console.log(
          `library: imported ${r.imported.length} ${r.imported.length === 1 ? 'paper' : 'papers'} for ${user.username}${r.problems.length ? `; ${r.problems.length} not imported` : ''}`,
        );
        return r.problems.length ? 3 : 0;
      });
    },
  },
  config: {
    summary: 'print the effective settings (secrets hidden)',
    usage: 'paperboy config',
    async run(_args, config) {
      console.log(describeConfig(config));
    },
  },
  ...SEARCH_COMMANDS,
};

export class UsageError extends Error {}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return `Paperboy: a self-hosted daily papers hub\n\nUsage: paperboy <command> [options]\n\nCommands:\n${Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join('\n')}\n\nRun \`paperboy <command> --help\` for a command's options. Settings come from the environment; see \`paperboy config\`.`;
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`paperboy: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.usage}\n\n${command.summary}`);
    return 0;
  }
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true });
  } catch (e) {
    console.error(`paperboy ${name}: ${(e as Error).message}\nusage: ${command.usage}`);
    return 2;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`paperboy: bad settings:\n${e.problems.map((p) => `  - ${p}`).join('\n')}`);
      return 78;
    }
    throw e;
  }
  try {
    return (await command.run(args as { values: Record<string, unknown>; positionals: string[] }, config)) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`paperboy ${name}: ${e.message}\nusage: ${command.usage}`);
      return 2;
    }
    console.error(`paperboy ${name}: ${storageFailureCause(e) ?? (e as Error).message}`);
    if (process.env.LOG_LEVEL === 'debug') console.error(e);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
