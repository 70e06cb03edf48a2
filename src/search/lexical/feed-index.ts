import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Database } from '../../storage/database.js';
import { type Bm25Doc, K1 } from './bm25/formula.js';
import { unicode61Tokens } from './bm25/fts5-tokens.js';
import { MemoryBm25Index } from './bm25/memory-index.js';
import { FEED_START, type FeedPosition, type PaperChange, feedOrigin, feedPosition, readChanges } from './change-feed.js';
import { parseQuery, queryArxivId, titleKey } from './query.js';
import { EXACT_WORD_WEIGHT, OVER_STEMMED, rowsMissing, toFts5Query } from './sqlite-fts5.js';
import {
  type AppLexicalIndex,
  type ColumnWeights,
  EXACT_MATCH_SCORE,
  type LexicalHit,
  type LexicalIndex,
  type LexicalSearchOptions,
  byScoreThenId,
} from './types.js';

// The lexical engine of both dialects: the in-memory bm25 index (bm25/) built from the papers
// table through the storage layer and kept in step by the papers' change feed (change-feed.ts),
// with the same tokenizer (unicode61 tokens, FTS5's Porter stems; bm25/fts5-tokens.ts), bm25,
// column weights and score bound on SQLite and PostgreSQL, so both rank alike to the last bit.
// Each process holds its own copy: loaded from its file in DATA_DIR (which holds the feed position
// in its header) and caught up, or built from the feed when there is none, then caught up before
// each search and every few seconds. FTS5 (SQLite) or tsvector (PostgreSQL) answers while the copy
// is missing, and the queries it cannot answer: quoted phrases and words of several tokens.
//
// Rows are numbered in the order the index took them (not by seq: on PostgreSQL a change can be
// read after one with a higher seq). A paper changed in place or deleted has its row killed (left
// out of every answer) and, when changed, is added again as a new row; killed rows stay in the
// statistics, as the stale rows of the SQLite index always did, until the index is rebuilt once
// they are a tenth of its rows.

/** How often a process reads the change feed when no search asks. */
export const CATCH_UP_MS = 2_000;
/**
 * A search waits for the read of the feed it starts, so that it sees the writes committed before
 * it (a few changes take a millisecond or two), unless the read turns out to be a bulk one (more
 * than a page: an import elsewhere), which goes on in the background while the index answers as
 * it is; and at most this long (a database that answers slowly).
 */
const CATCH_UP_WAIT_MS = 2_000;
/** The index is rebuilt (in the background) once killed rows are this share of its rows... */
const REBUILD_DEAD_SHARE = 0.1;
/** ...and at least this many. */
const REBUILD_DEAD_MIN = 1_000;
/** The file is written again after this many changes were applied since it was last written... */
const SAVE_EVERY_CHANGES = 5_000;
/** ...or this long after the first change since, whichever comes first. */
const SAVE_EVERY_MS = 5 * 60_000;
/** The file's key: an index of the change feed (files of the old FTS5-built index have another). */
const FILE_KEY = 'paper-changes';

/** The memory index of the change feed: the bm25 index, each paper's live row, and the feed position it holds. */
export class FeedIndex {
  /** changes applied since the file was last written, and since when */
  unsaved = 0;
  unsavedSince = 0;

  private constructor(
    readonly m: MemoryBm25Index,
    public position: FeedPosition,
    private readonly rowOf: Map<string, number>,
    /** the feed's origin (see feedOrigin): the database it was read from */
    readonly origin: string,
  ) {}

  static empty(weights: ColumnWeights, origin: string): FeedIndex {
    return new FeedIndex(new MemoryBm25Index(undefined, weights), FEED_START, new Map(), origin);
  }

  /**
   * The index saved in `file` with its feed position, or null: none, another format, another key,
   * unreadable, or read from another database than `current` (another origin, or a position past
   * its highest seq: restored from an older backup).
   */
  static async load(file: string, weights: ColumnWeights, current: { origin: string; maxSeq: number }): Promise<FeedIndex | null> {
    const head = await MemoryBm25Index.readHeader(file);
    const saved = head?.key === FILE_KEY ? (head.feed as { origin?: unknown; position?: unknown } | undefined) : undefined;
    const position = saved?.origin === current.origin ? feedPosition(saved.position) : null;
    if (!position || position.through > current.maxSeq) return null;
    const m = await MemoryBm25Index.load(file, FILE_KEY, undefined, weights);
    if (!m?.hasIds) return null;
    const rowOf = new Map<string, number>();
    for (let r = 1; r <= m.maxRowid; r++) {
      const id = m.idOf(r);
      if (id === undefined || !m.isLive(r)) continue;
      const old = rowOf.get(id);
      if (old !== undefined) m.kill(old);
      rowOf.set(id, r);
    }
    return new FeedIndex(m, position, rowOf, current.origin);
  }

  /** Whether a paper with this id is in the index. */
  has(id: string): boolean {
    return this.rowOf.has(id);
  }

  /** Papers in the index. */
  get papers(): number {
    return this.rowOf.size;
  }

  /** Applies changes read from the feed: kills the changed and deleted papers' rows, adds the changed and new papers as new rows. */
  apply(changes: readonly PaperChange[]): void {
    const docs: Bm25Doc[] = [];
    let row = this.m.maxRowid;
    const flush = () => {
      if (docs.length) this.m.addAll(docs.splice(0));
    };
    for (const c of changes) {
      const old = this.rowOf.get(c.id);
      if (old !== undefined) {
        if (old > this.m.maxRowid) flush(); // the same paper twice in one batch (not from one read of the feed)
        this.m.kill(old);
        this.rowOf.delete(c.id);
      }
      if (c.paper) {
        docs.push({ rowid: ++row, id: c.id, title: c.paper.title, abstract: c.paper.abstract, authors: c.paper.authors });
        this.rowOf.set(c.id, row);
      }
    }
    flush();
    if (changes.length && this.unsaved === 0) this.unsavedSince = Date.now();
    this.unsaved += changes.length;
  }

  /** Reads the feed after this index's position and applies what changed; `between` runs between pages (to yield). */
  async catchUp(database: Database, between?: () => Promise<void>): Promise<void> {
    this.position = await readChanges(database, this.position, async (changes) => {
      if (!between) return this.apply(changes);
      for (let i = 0; i < changes.length; i += APPLY_SLICE) {
        this.apply(changes.slice(i, i + APPLY_SLICE));
        await between();
      }
    });
  }

  /** Whether the file should be written now (see SAVE_EVERY_*). */
  get saveDue(): boolean {
    return this.unsaved >= SAVE_EVERY_CHANGES || (this.unsaved > 0 && Date.now() - this.unsavedSince >= SAVE_EVERY_MS);
  }

  /** Whether so many rows are killed that the index should be built again (at least `deadMin`, REBUILD_DEAD_MIN). */
  rebuildDue(deadMin = REBUILD_DEAD_MIN): boolean {
    return this.m.deadRows >= deadMin && this.m.deadRows >= REBUILD_DEAD_SHARE * this.m.rows;
  }

  async save(file: string): Promise<void> {
    const position = this.position;
    this.unsaved = 0;
    await mkdir(dirname(file), { recursive: true });
    await this.m.save(file, FILE_KEY, { origin: this.origin, position });
  }

  /** Stops the index's worker thread and stemmer. */
  close(): void {
    void this.m.closeWorker();
    this.m.stemmer.close();
  }
}

// Changes applied between two turns of the event loop. A page of the feed is 1,000 papers, about
// 150 ms of tokenising. While `paperboy import` wrote 200,000 papers into PostgreSQL on the same 2
// cores, a web process catching up page by page answered /healthz at p50 140-230 ms and p99
// 0.9-1.7 s; by 100 papers, p50 80-90 ms and p99 0.3-0.6 s (the rest is the cores it shares).
const APPLY_SLICE = 100;

/** Lets requests run between pages of the feed. */
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** Settles when `p` does, or after `ms` (p never rejects). */
function within(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    void p.finally(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Builds the index from the whole feed, yielding to the event loop between pages. */
export async function buildFeedIndex(database: Database, weights: ColumnWeights): Promise<FeedIndex> {
  const index = FeedIndex.empty(weights, (await feedOrigin(database)).origin);
  await index.catchUp(database, nextTurn);
  index.m.trim();
  return index;
}

/**
 * The index `file` holds, caught up with the database, or (no usable file) one built from the
 * feed; written back to `file`. What `paperboy import` runs last, so that the first search of the
 * web processes after an import loads it and catches up instead of building it.
 */
export async function refreshFeedIndexFile(database: Database, file: string, weights: ColumnWeights): Promise<FeedIndex> {
  let index = await FeedIndex.load(file, weights, await feedOrigin(database));
  if (index) await index.catchUp(database);
  if (!index || index.rebuildDue()) {
    index?.close();
    index = await buildFeedIndex(database, weights);
  }
  await index.save(file);
  return index;
}

export interface FeedLexicalOptions {
  weights: ColumnWeights;
  /** the index's file; null keeps it in memory only */
  file: string | null;
  /** a saved index to start from when `file` holds no usable one (read, never written) */
  seed?: string | null;
  /** what answers while the index is missing, and the queries it cannot answer (FTS5, tsvector) */
  fallback: LexicalIndex;
  /** killed rows from which the index is rebuilt (REBUILD_DEAD_MIN; tests lower it) */
  rebuildDeadMin?: number;
}

/** The lexical index of both dialects: the memory index of the change feed, with a fallback (see the top of this file). */
export function createFeedLexicalIndex(database: Database, options: FeedLexicalOptions): AppLexicalIndex {
  const { weights, file, fallback } = options;
  const deadMin = options.rebuildDeadMin ?? REBUILD_DEAD_MIN;
  let index: FeedIndex | null = null;
  let started = false;
  let background: Promise<void> = Promise.resolve();
  let rebuilding = false;

  // One read of the feed at a time; a caller that comes while one runs waits for the next, which
  // starts after it, so a search sees every write committed before the search began.
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  // Set while the running read has more than a page to apply; the searches waiting are let go.
  let bulk = false;
  const bulkWaiters = new Set<() => void>();
  const readOnce = (): Promise<void> => {
    const target = index;
    if (!target) return Promise.resolve();
    let pages = 0;
    const run = target
      .catchUp(database, async () => {
        if (++pages === 2) {
          bulk = true;
          for (const letGo of bulkWaiters) letGo();
        }
        await nextTurn();
      })
      .then(() => afterCatchUp(target))
      .catch(() => undefined) // the database is away: the index answers as it is, and the next read catches up
      .finally(() => {
        bulk = false;
        if (running === run) running = null;
      });
    running = run;
    return run;
  };
  const catchUp = (): Promise<void> => {
    if (queued) return queued;
    if (running) {
      const next = running.then(() => {
        queued = null;
        return readOnce();
      });
      queued = next;
      return next;
    }
    return readOnce();
  };

  /** Waits for the feed's writes up to now, unless they are a bulk catch-up (see CATCH_UP_WAIT_MS). */
  async function waitForFeed(): Promise<void> {
    let letGo = () => {};
    const turnedBulk = new Promise<void>((r) => {
      letGo = r;
    });
    bulkWaiters.add(letGo);
    if (bulk) letGo(); // one is running now: answer as the index is
    try {
      await within(Promise.race([catchUp(), turnedBulk]), CATCH_UP_WAIT_MS);
    } finally {
      bulkWaiters.delete(letGo);
    }
  }

  function afterCatchUp(target: FeedIndex): void {
    if (target !== index) return;
    if (target.rebuildDue(deadMin) && !rebuilding) {
      rebuilding = true;
      background = rebuild().finally(() => {
        rebuilding = false;
      });
    } else if (file && target.saveDue) {
      background = target.save(file).catch(() => undefined); // a cache: failing to write it only costs a rebuild next start
    }
  }

  /** Builds a fresh index from the feed meanwhile the old one answers, then swaps it in. */
  async function rebuild(): Promise<void> {
    try {
      const fresh = await buildFeedIndex(database, weights);
      await fresh.catchUp(database, nextTurn);
      const old = index;
      index = fresh;
      // Only its worker: a search still running on the old index may stem a query word with its stemmer.
      if (old) void old.m.closeWorker();
      if (file) await fresh.save(file).catch(() => undefined);
    } catch {
      // the old index goes on answering; the next catch-up tries again
    }
  }

  async function start(): Promise<void> {
    try {
      const origin = await feedOrigin(database);
      let loaded = file ? await FeedIndex.load(file, weights, origin) : null;
      // A process joining with an empty DATA_DIR starts from the seed (an import's file) if it is
      // this database's; what it then saves is its own file, the seed is left as it is.
      const seeded = !loaded && options.seed ? await FeedIndex.load(options.seed, weights, origin) : null;
      loaded ??= seeded;
      // A file far behind (saved before an import elsewhere) is caught up in pages, requests between them.
      if (loaded) await loaded.catchUp(database, nextTurn);
      if (loaded?.rebuildDue(deadMin)) {
        loaded.close();
        loaded = null;
      }
      const ready = loaded ?? (await buildFeedIndex(database, weights));
      if (!loaded) await ready.catchUp(database, nextTurn);
      index = ready;
      if (file && (!loaded || seeded || ready.saveDue)) await ready.save(file).catch(() => undefined);
      setInterval(() => void catchUp(), CATCH_UP_MS).unref();
    } catch {
      // The database is not there yet (not migrated) or went away: the fallback answers, and the
      // next search tries again.
      started = false;
    }
  }

  const ensureStarted = () => {
    if (started) return;
    started = true;
    background = start();
  };

  /** The memory index's answer to a query of plain words (each one unicode61 token), else null. */
  const plainTerms = (query: string): { terms: string[]; hasWords: boolean } | null => {
    const parsed = parseQuery(query);
    const hasWords = parsed.phrases.length > 0 || parsed.terms.length > 0;
    if (parsed.phrases.length > 0) return null;
    const tokens = parsed.terms.map(unicode61Tokens);
    if (!tokens.every((t) => t.length === 1)) return null;
    return { terms: tokens.map((t) => t[0]), hasWords };
  };

  async function searchMemory(ix: FeedIndex, query: string, terms: string[], hasWords: boolean, limit: number): Promise<LexicalHit[]> {
    const m = ix.m;
    const exact = new Set<string>();
    const id = queryArxivId(query);
    if (id) {
      if (ix.has(id)) exact.add(id);
    } else if (hasWords && query.length <= 400) {
      for (const r of m.rowsWithTitle(titleKey(query))) {
        const rid = m.idOf(r);
        if (rid !== undefined) exact.add(rid);
      }
    }
    const hits: LexicalHit[] = [...exact].map((e) => ({ id: e, score: EXACT_MATCH_SCORE }));
    if (toFts5Query({ phrases: [], terms }) === null || m.rows === 0) return hits.slice(0, limit);
    const n = limit + exact.size;
    // As SqliteLexicalIndex ranks: stemmed bm25 + EXACT_WORD_WEIGHT * unstemmed bm25, the
    // unstemmed table searched for the over-stemmed words' papers too.
    const over = m.overStemmed(terms, OVER_STEMMED);
    const searches = [{ terms, exact: false }, ...(over.length ? [{ terms: over, exact: true }] : [])];
    const [stemmed, exactRows = []] = await m.searchSplit(searches, weights, n);
    const sScore = new Map(stemmed.map((h) => [h.rowid, h.score]));
    const missing = rowsMissing(sScore, exactRows);
    const more = m.scoreRows(terms, weights, missing, false);
    missing.forEach((r, i) => sScore.set(r, more[i]));
    const rows = [...sScore.keys()].sort((a, b) => a - b);
    const eScores = m.scoreRows(terms, weights, rows, true);
    const ranked: LexicalHit[] = [];
    rows.forEach((r, i) => {
      const rid = m.idOf(r);
      if (rid !== undefined && m.isLive(r) && !exact.has(rid)) ranked.push({ id: rid, score: sScore.get(r)! + EXACT_WORD_WEIGHT * eScores[i] });
    });
    ranked.sort(byScoreThenId);
    for (const h of ranked) hits.push(h);
    return hits.slice(0, limit);
  }

  return {
    // Everything in flight: a catch-up that was running (a search may have stopped waiting for it)
    // and what it set going after it (a rebuild, a save), until nothing new was started meanwhile.
    async settled() {
      for (;;) {
        const r = running;
        const b = background;
        await Promise.all([r, b]);
        if (r === running && b === background) return;
      }
    },
    building: () => index === null,
    start: ensureStarted,
    async search(query: string, opts: LexicalSearchOptions): Promise<LexicalHit[]> {
      ensureStarted();
      if (index) await waitForFeed();
      const ix = index;
      const plain = ix ? plainTerms(query) : null;
      if (!ix || !plain) return fallback.search(query, opts);
      return searchMemory(ix, query, plain.terms, plain.hasWords, opts.limit);
    },
    async scoreBound(query: string): Promise<number> {
      ensureStarted();
      const ix = index;
      const plain = ix ? plainTerms(query) : null;
      if (!ix || !plain) return fallback.scoreBound ? fallback.scoreBound(query) : NaN;
      if (ix.m.rows === 0) return 0;
      const sum = (exact: boolean) => ix.m.idfOf(plain.terms, exact).reduce((a, b) => a + b, 0);
      return (sum(false) + EXACT_WORD_WEIGHT * sum(true)) * (K1 + 1);
    },
    contentMark(): string {
      ensureStarted();
      const mine = index ? `${index.m.maxRowid}.${index.m.deadRows}` : 'none';
      return `${fallback.contentMark?.() ?? ''}:${mine}`;
    },
  };
}
