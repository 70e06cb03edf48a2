// `npm run bench -- authors [--papers=100000] [--lookups=1000]`: the author-name index (src/follow/) on
// the real listings of ../shared/data/recsys (28,269 papers with their authors), repeated under new ids
// up to --papers, in a throw-away SQLite database. Measures the backfill (the first catch-up of the
// papers' change feed: papers/s), an author page's lookup (authors.papers, p50/p99 over --lookups
// random author names), and a member's following list (20 authors and 2 categories followed, p50/p99
// over 50 members). Prints one JSON line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { buildPaper } from '../src/papers/paper.js';
import { createPaperStore } from '../src/papers/store.js';
import { openDatabase } from '../src/storage/database.js';
import { migrate } from '../src/storage/migrate.js';
import { createAuthorIndex } from '../src/follow/author-index.js';
import { createFollows } from '../src/follow/follows.js';
import { authorKey } from '../src/follow/author-name.js';
import { syntheticId } from './synthetic.js';
import { numberArg, pct } from './metrics.js';

const LISTINGS = path.resolve('../shared/data/recsys/daily-listings-2025-2026.jsonl.gz');

export async function benchAuthors(args: string[]): Promise<void> {
  const count = numberArg(args, 'papers', 100_000);
  const lookups = numberArg(args, 'lookups', 1000);
  const listings = zlib
    .gunzipSync(fs.readFileSync(LISTINGS))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { title: string; abstract: string; authors: string[]; categories: string[]; announced: string });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-bench-authors-'));
  const database = await openDatabase(`sqlite:${path.join(dir, 'bench.db')}`);
  try {
    await migrate(database);
    const store = createPaperStore(database);
    const batch = [];
    for (let i = 0; i < count; i++) {
      const r = listings[i % listings.length];
      const at = new Date(Date.parse(`${r.announced}T12:00:00Z`) - Math.floor(i / listings.length) * 86_400_000 * 400).toISOString();
      batch.push(
        buildPaper({ id: syntheticId(i), title: r.title, abstract: r.abstract, authors: r.authors, categories: r.categories, publishedAt: at, updatedAt: at }),
      );
      if (batch.length === 2000 || i === count - 1) await store.upsertMany(batch.splice(0));
    }
    const authors = createAuthorIndex(database);
    let t = performance.now();
    const read = await authors.catchUp();
    const backfillMs = performance.now() - t;
    const keys = await database.db
      .selectFrom('author_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const names = [...new Set(listings.flatMap((l) => l.authors))];
    const pick = () => names[Math.floor(Math.random() * names.length)];
    const lookupMs: number[] = [];
    let listed = 0;
    for (let i = 0; i < lookups; i++) {
      t = performance.now();
      const page = await authors.papers(authorKey(pick()), { offset: 0, limit: 50 });
      lookupMs.push(performance.now() - t);
      listed += page.papers.length;
    }
    const users = [];
    for (let u = 0; u < 50; u++) {
      const row = await database.db
        .insertInto('users')
        .values({ email: `u${u}@bench.test`, username: `u${u}`, display_name: null, role: 'member', created_at: new Date().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow();
      users.push(Number(row.id));
    }
    const follows = createFollows({ database, authors, search: async () => [] });
    for (const id of users) {
      for (let a = 0; a < 20; a++) await follows.follow(id, 'author', pick());
      await follows.follow(id, 'category', 'cs.CL');
      await follows.follow(id, 'category', 'cs.IR');
    }
    const followingMs: number[] = [];
    for (const id of users) {
      t = performance.now();
      await follows.following(id, { offset: 0, limit: 50 });
      followingMs.push(performance.now() - t);
    }
    const round = (x: number) => Math.round(x * 100) / 100;
    console.log(
      JSON.stringify({
        bench: 'authors',
        papers: count,
        authorKeys: Number(keys.n),
        backfill: { changes: read, ms: Math.round(backfillMs), papersPerSecond: Math.round(read / (backfillMs / 1000)) },
        authorPageMs: { p50: round(pct(lookupMs, 50)), p99: round(pct(lookupMs, 99)), meanPapers: round(listed / lookups) },
        followingMs: { p50: round(pct(followingMs, 50)), p99: round(pct(followingMs, 99)), follows: 22 },
      }),
    );
  } finally {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
