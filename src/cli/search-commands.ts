import os from 'node:os';
import type { Command } from './command.js';
import { openContext } from '../main.js';
import { migrate } from '../storage/migrate.js';
import { BASE_MODEL_FILE } from '../search/corpus-model/base.js';
import { embedMissing, trainEmbedder } from '../search/embed-train.js';
import { parseSearchRequest } from '../search/request.js';

// `paperboy search | embed | train-embedder`: registered in cli.ts's COMMANDS.

export const SEARCH_COMMANDS: Record<string, Command> = {
  search: {
    summary: 'search the papers by words and meaning',
    usage: 'paperboy search "QUERY" [--limit N] [--json] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--category cs.LG] [--featured] [--sort relevance|date|upvotes]',
    options: {
      limit: { type: 'string' },
      json: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      category: { type: 'string' },
      featured: { type: 'boolean' },
      sort: { type: 'string' },
    },
    async run({ values, positionals }, config) {
      const q = positionals.join(' ').trim();
      if (!q) throw new Error('search: give a QUERY');
      // The same rules as /search and /api/papers/search.
      const parsed = parseSearchRequest({ ...values, q, featured: values.featured ? '1' : undefined, json: undefined }, 10);
      if ('error' in parsed)
        throw new Error(
          parsed.error
            .replace(/^search: (limit|category|sort) /, 'search: --$1 ')
            .replace('search: from and to', 'search: --from and --to')
            .replace('search: q is', 'search: QUERY is'),
        );
      const ctx = await openContext(config);
      try {
        const r = await ctx.search.search(parsed);
        if (values.json) {
          console.log(
            JSON.stringify({
              query: q,
              mode: r.mode,
              papers: r.papers.map((x) => ({
                id: x.paper.id,
                title: x.paper.title,
                categories: x.paper.categories,
                publishedAt: x.paper.publishedAt,
                score: x.score,
                upvotes: x.upvotes,
              })),
            }),
          );
        } else {
          r.papers.forEach((x, i) => console.log(`${String(i + 1).padStart(3)}. ${x.paper.id.padEnd(16)} ${x.paper.title}`));
          console.error(`search: ${r.papers.length} results (${r.mode})`);
        }
      } finally {
        await ctx.database.close();
      }
    },
  },
  embed: {
    summary: 'compute missing paper vectors for the current embedder (resumable)',
    usage: 'paperboy embed [--quiet]',
    options: { quiet: { type: 'boolean' } },
    async run({ values }, config) {
      const ctx = await openContext(config);
      try {
        await migrate(ctx.database, console.log);
        // Looks again now that the schema is current: the newest model, copied from the database
        // when a retrain on another host published it (the context loaded the local one already).
        await ctx.embedders.poll();
        const embedder = ctx.embedders.latest();
        if (!embedder) {
          console.error('embed: no embedder (EMBEDDER=none, a model that failed to load as said above, or no model: run `paperboy train-embedder`)');
          return 1;
        }
        await embedMissing(ctx.database, embedder, { progress: !values.quiet, threads: os.availableParallelism() });
      } finally {
        await ctx.database.close();
      }
    },
  },
  'train-embedder': {
    summary: "train the corpus embedding model on this instance's papers (then run `paperboy embed`)",
    usage: 'paperboy train-embedder [--dim N] [--epochs N] [--members N] [--out FILE]',
    options: { dim: { type: 'string' }, epochs: { type: 'string' }, members: { type: 'string' }, out: { type: 'string' } },
    async run({ values }, config) {
      const dim = values.dim === undefined ? undefined : Number(values.dim);
      const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
      const members = values.members === undefined ? undefined : Number(values.members);
      if (dim !== undefined && (!Number.isInteger(dim) || dim < 8 || dim > 1024)) throw new Error('train-embedder: --dim must be 8 to 1024');
      if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1 || epochs > 10)) throw new Error('train-embedder: --epochs must be 1 to 10');
      if (members !== undefined && (!Number.isInteger(members) || members < 1 || members > 16)) throw new Error('train-embedder: --members must be 1 to 16');
      const ctx = await openContext(config);
      try {
        await migrate(ctx.database, console.log);
        const r = await trainEmbedder(
          ctx.database,
          config.dataDir,
          { ...(dim ? { dim } : {}), ...(epochs ? { epochs } : {}), ...(members ? { members } : {}) },
          values.out as string | undefined,
          config.embedderBase ? { file: BASE_MODEL_FILE, start: config.embedderBaseStart } : null,
        );
        console.log(`train-embedder: trained on ${r.papers} papers, version ${r.version}, wrote ${r.file}`);
      } finally {
        await ctx.database.close();
      }
    },
  },
};
