import { sql } from 'kysely';
import type { Database } from '../storage/database.js';
import type { Paper } from '../papers/paper.js';
import { chunks, type PaperStore } from '../papers/store.js';
import { addDays, feedDayOf } from '../feed/period.js';
import { zonedTime } from '../util/zoned-time.js';
import type { ReaderModel, Recommendation } from './ranker.js';
import type { Recommender } from './recommender.js';
import { createSignalStore, type LikedWhy, type SignalRow, type SignalStore, SignalError } from './signals.js';
import { type CollectionStore, createCollectionStore } from './collections.js';
import { type LibraryProblem, normaliseTitle, type ParsedLibrary, parseBibtex, parseIdList } from './library-parse.js';
import { keptValue } from '../util/kept-value.js';

// For you, as the product uses it: a member's model fitted from their signals (cached per member under
// a key of their signals, so a change refits it on the next request: the fit is a sum of a few dozen
// sparse vectors, well under the ~50 ms a request may spend), the papers of an announcement day (every
// harvested paper published on that feed day in FEED_TIMEZONE, community submissions or not) ranked
// for them, any list of papers ranked for them, and imports of their own papers.

/** Most ids one rank request may carry. */
export const MAX_RANK_IDS = 1000;
/** Papers of a digest period ranked at most (arXiv lists ~20k a week; the newest are kept). */
const MAX_PERIOD_CANDIDATES = 25_000;
/** Members whose models are kept between requests. */
const MODEL_CACHE = 2000;
/**
 * What a followed category adds to a paper's score once the member has liked papers: the ranker's score
 * is a weighted sum of z-scores (weights summing to 6), so half a point lifts a paper of a followed
 * category past close neighbours but never past a clearly better one.
 */
export const PICKED_CATEGORY_BONUS = 0.5;
/** The categories offered to pick from (the instance's largest). */
const CATEGORY_CHOICES = 40;
/** How long the categories' counts are kept (a full count of paper_categories). */
const CATEGORY_COUNTS_MS = 10 * 60_000;

export interface Ranked {
  id: string;
  title: string;
  score: number;
  /** like "Title" you saved, or (no liked paper close) the words that drove it; null when neither */
  reason: string | null;
}

export interface RankedPaper extends Ranked {
  paper: Paper;
}

export interface ForYouPage {
  /** the announcement day shown; null when there are no papers at all */
  day: string | null;
  previous: string | null;
  next: string | null;
  /**
   * no liked papers yet: with no picked categories either, items come in id order with score 0 (the page
   * shows the community feed and how to start); with picked ones, their papers come first
   */
  cold: boolean;
  /** the categories the member follows (src/follow/): the cold start's picks, a small feature after */
  picks: string[];
  items: RankedPaper[];
  /** papers of the day left after dismissed and liked ones */
  total: number;
  offset: number;
  limit: number;
}

export interface ImportResult {
  /** arXiv ids imported (new or already in the library) */
  imported: string[];
  /** entries that matched no paper here, or could not be read, as the member wrote them */
  unknown: string[];
  /** why each unknown entry was not imported */
  problems: LibraryProblem[];
}

export interface ReaderState {
  model: ReaderModel;
  why: Map<string, LikedWhy>;
  cold: boolean;
}

export interface RecommendService {
  signals: SignalStore;
  /** the member's collections; "Saved" is what the save signal fills (src/recommend/collections.ts) */
  collections: CollectionStore;
  reader(userId: number): Promise<ReaderState>;
  /** the newest announcement day with papers, or null */
  latestDay(): Promise<string | null>;
  forYou(userId: number, o: { day?: string; offset: number; limit: number }): Promise<ForYouPage>;
  /**
   * `ids` ranked for the member, best first, every one of them (liked and dismissed ones too);
   * a SignalError (400) names ids the instance does not have.
   */
  rank(userId: number, ids: string[], o?: { dropKnown?: boolean; reasons?: number }): Promise<Ranked[]>;
  importLibrary(userId: number, text: string, format: 'ids' | 'bibtex'): Promise<ImportResult>;
  /** The instance's papers that parsed entries name (arXiv id, DOI, exact title), and the entries that name none, by line. */
  matchLibrary(parsed: ParsedLibrary): Promise<{ ids: string[]; problems: LibraryProblem[] }>;
  /**
   * For a digest: the best of the papers published in [start, end) for the member with this address,
   * best first (at most `limit`); empty when the address is no member's or they have no signals yet.
   */
  forEmail(email: string, start: string, end: string, limit: number): Promise<RankedPaper[]>;
  /**
   * Counts the word statistics and the newest day's features before the first member asks (seconds on
   * a large instance): a server calls it once at start, off the request path.
   */
  warm(): Promise<void>;
  /** the member's signals, upvotes included, for the account export */
  exportSignals(userId: number): Promise<SignalRow[]>;
  /** the categories a member follows (kind "category" of src/follow/: one source of truth for both) */
  picks(userId: number): Promise<string[]>;
  /** the instance's largest categories with their paper counts, largest first (the cold start's choices) */
  categoryChoices(): Promise<{ category: string; papers: number }[]>;
  /** forget what is kept in memory for a member (their model): after the account is deleted */
  forget(userId: number): void;
}

export interface RecommendServiceOptions {
  database: Database;
  papers: PaperStore;
  recommender: Recommender;
  timeZone: string;
  now?: () => Date;
}

export function reasonText(because: { title: string } | null, why: LikedWhy | undefined, words: string[] | null = null): string | null {
  if (!because) return words?.length ? `your words: ${words.map((w) => `"${w}"`).join(', ')}` : null;
  const title = because.title.replace(/\s+/g, ' ').trim();
  return `like "${title.length > 90 ? `${title.slice(0, 87)}...` : title}" you ${why ?? 'liked'}`;
}

export function pickedReason(category: string): string {
  return `in ${category}, which you follow`;
}

export function createRecommendService(o: RecommendServiceOptions): RecommendService {
  const { database, recommender, timeZone } = o;
  const { db } = database;
  const signals = createSignalStore(database, o.now);
  const collections = createCollectionStore(database, o.now);
  const models = new Map<number, { key: string; state: ReaderState }>();

  const dayStart = (day: string): string => {
    const [y, m, d] = day.split('-').map(Number);
    return zonedTime(y, m, d, 0, 0, timeZone).toISOString();
  };

  async function reader(userId: number): Promise<ReaderState> {
    const s = await signals.of(userId);
    const key = signals.key(s);
    const cached = models.get(userId);
    if (cached && cached.key === key) return cached.state;
    const model = await recommender.fit(
      s.liked.map((l) => l.id),
      s.dismissed,
    );
    const state = { model, why: new Map(s.liked.map((l) => [l.id, l.why])), cold: s.liked.length === 0 };
    models.delete(userId);
    models.set(userId, { key, state });
    if (models.size > MODEL_CACHE) models.delete(models.keys().next().value!);
    return state;
  }

  async function dayIds(day: string): Promise<string[]> {
    const rows = await db
      .selectFrom('papers')
      .select('id')
      .where('published_at', '>=', dayStart(day))
      .where('published_at', '<', dayStart(addDays(day, 1)))
      .execute();
    return rows.map((r) => r.id);
  }

  async function latestDay(): Promise<string | null> {
    const row = await db.selectFrom('papers').select('published_at').orderBy('published_at', 'desc').limit(1).executeTakeFirst();
    return row ? feedDayOf(row.published_at, timeZone) : null;
  }

  async function adjacent(day: string): Promise<{ previous: string | null; next: string | null }> {
    const [prev, next] = await Promise.all([
      db.selectFrom('papers').select('published_at').where('published_at', '<', dayStart(day)).orderBy('published_at', 'desc').limit(1).executeTakeFirst(),
      db
        .selectFrom('papers')
        .select('published_at')
        .where('published_at', '>=', dayStart(addDays(day, 1)))
        .orderBy('published_at', 'asc')
        .limit(1)
        .executeTakeFirst(),
    ]);
    return { previous: prev ? feedDayOf(prev.published_at, timeZone) : null, next: next ? feedDayOf(next.published_at, timeZone) : null };
  }

  async function picks(userId: number): Promise<string[]> {
    const rows = await db.selectFrom('follows').select('value').where('user_id', '=', userId).where('kind', '=', 'category').orderBy('value').execute();
    return rows.map((r) => r.value);
  }

  /** The day's papers in the picked categories, each with the first of its categories picked. */
  async function pickedOnDay(day: string, picked: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!picked.length) return out;
    const rows = await db
      .selectFrom('papers as p')
      .innerJoin('paper_categories as c', 'c.paper_id', 'p.id')
      .select(['p.id', 'c.category', 'c.position'])
      .where('p.published_at', '>=', dayStart(day))
      .where('p.published_at', '<', dayStart(addDays(day, 1)))
      .where('c.category', 'in', picked)
      .orderBy('p.id')
      .orderBy('c.position')
      .execute();
    for (const r of rows) if (!out.has(r.id)) out.set(r.id, r.category);
    return out;
  }

  /** A cold start with picks: the day's papers of the picked categories first, each part by the community's upvotes, then newest. */
  async function byCommunity(ids: string[], known: Set<string>, picked: Map<string, string>): Promise<Ranked[]> {
    const left = ids.filter((id) => !known.has(id));
    const votes = new Map<string, number>();
    for (const part of chunks(left, 500)) {
      const rows = await db.selectFrom('submissions').select(['paper_id', 'upvotes']).where('paper_id', 'in', part).where('hidden', '=', 0).execute();
      for (const r of rows) votes.set(r.paper_id, Number(r.upvotes));
    }
    const published = new Map<string, string>();
    const titles = new Map<string, string>();
    for (const p of await o.papers.getMany(left)) {
      published.set(p.id, p.publishedAt);
      titles.set(p.id, p.title);
    }
    const order = (id: string) => [picked.has(id) ? 0 : 1, -(votes.get(id) ?? 0)] as const;
    return left
      .sort((a, b) => {
        const [pa, va] = order(a);
        const [pb, vb] = order(b);
        return pa - pb || va - vb || (published.get(b) ?? '').localeCompare(published.get(a) ?? '') || a.localeCompare(b);
      })
      .map((id) => ({ id, title: titles.get(id) ?? '', score: 0, reason: picked.has(id) ? pickedReason(picked.get(id)!) : null }));
  }

  /** Once the member likes papers: a small lift for the papers of the categories they follow. */
  function liftPicked(ranked: Ranked[], picked: Map<string, string>): Ranked[] {
    if (!picked.size) return ranked;
    return ranked
      .map((r) =>
        picked.has(r.id) ? { ...r, score: Math.round((r.score + PICKED_CATEGORY_BONUS) * 1e4) / 1e4, reason: r.reason ?? pickedReason(picked.get(r.id)!) } : r,
      )
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  }

  const categoryChoices = keptValue(
    () =>
      db
        .selectFrom('paper_categories')
        .select(['category', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('category')
        .orderBy('n', 'desc')
        .orderBy('category')
        .limit(CATEGORY_CHOICES)
        .execute()
        .then((rs) => rs.map((r) => ({ category: r.category, papers: Number(r.n) }))),
    CATEGORY_COUNTS_MS,
  );

  async function knownIds(ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const part of chunks([...new Set(ids)], 500)) {
      for (const r of await db.selectFrom('papers').select('id').where('id', 'in', part).execute()) found.add(r.id);
    }
    return found;
  }

  function present(state: ReaderState, recs: Recommendation[]): Ranked[] {
    return recs.map((r) => ({
      id: r.id,
      title: r.title,
      score: Math.round(r.score * 1e4) / 1e4,
      reason: reasonText(r.because, r.because ? state.why.get(r.because.id) : undefined, r.words),
    }));
  }

  /** The instance's papers that entries name (arXiv id, then DOI, then exact title), and what matched none. */
  async function matchLibrary(parsed: ParsedLibrary): Promise<{ ids: string[]; problems: LibraryProblem[] }> {
    const problems = [...parsed.problems];
    const byArxiv = await knownIds(parsed.entries.flatMap((e) => (e.arxivId ? [e.arxivId] : [])));
    const dois = [...new Set(parsed.entries.flatMap((e) => (e.doi && !(e.arxivId && byArxiv.has(e.arxivId)) ? [e.doi] : [])))];
    const byDoi = new Map<string, string>();
    for (const part of chunks(dois, 200)) {
      const rows = await db.selectFrom('papers').select(['id', 'doi']).where(sql<string>`lower(doi)`, 'in', part).where('doi', 'is not', null).execute();
      for (const r of rows) if (r.doi) byDoi.set(r.doi.toLowerCase(), r.id);
    }
    const imported: string[] = [];
    const needTitle: typeof parsed.entries = [];
    for (const e of parsed.entries) {
      if (e.arxivId && byArxiv.has(e.arxivId)) imported.push(e.arxivId);
      else if (e.doi && byDoi.has(e.doi)) imported.push(byDoi.get(e.doi)!);
      else if (e.title) needTitle.push(e);
      else
        problems.push({ entry: e.label, line: e.line, reason: e.arxivId ? `arXiv:${e.arxivId} is not in this instance` : 'names no paper of this instance' });
    }
    if (needTitle.length) {
      // Exact titles (braces, case and white space aside): one pass over the titles.
      const wanted = new Map(needTitle.map((e) => [e.title!, e]));
      const byTitle = new Map<string, string>();
      let after: string | null = null;
      for (;;) {
        let q = db.selectFrom('papers').select(['id', 'title']).orderBy('id').limit(5000);
        if (after !== null) q = q.where('id', '>', after);
        const rows = await q.execute();
        for (const r of rows) {
          const t = normaliseTitle(r.title);
          if (wanted.has(t) && !byTitle.has(t)) byTitle.set(t, r.id);
        }
        if (rows.length < 5000) break;
        after = rows[rows.length - 1].id;
      }
      for (const e of needTitle) {
        const id = byTitle.get(e.title!);
        if (id) imported.push(id);
        else
          problems.push({
            entry: e.label,
            line: e.line,
            reason: e.arxivId ? `arXiv:${e.arxivId} is not in this instance, nor its title` : 'no paper here has its arXiv id, DOI or title',
          });
      }
    }
    problems.sort((a, b) => a.line - b.line);
    return { ids: [...new Set(imported)], problems };
  }

  return {
    signals,
    collections,
    reader,
    latestDay,
    async forYou(userId, q) {
      const day = q.day ?? (await latestDay());
      const picked = await picks(userId);
      if (!day) return { day: null, previous: null, next: null, cold: false, picks: picked, items: [], total: 0, offset: q.offset, limit: q.limit };
      const [state, ids, near, onDay] = await Promise.all([reader(userId), dayIds(day), adjacent(day), pickedOnDay(day, picked)]);
      const ranked =
        state.cold && picked.length
          ? await byCommunity(ids, state.model.known, onDay)
          : liftPicked(present(state, await recommender.rank(state.model, ids, q.offset + q.limit)), onDay);
      const shown = ranked.slice(q.offset, q.offset + q.limit);
      const byId = new Map((await o.papers.getMany(shown.map((r) => r.id))).map((p) => [p.id, p]));
      return {
        day,
        ...near,
        cold: state.cold,
        picks: picked,
        items: shown.flatMap((r) => (byId.has(r.id) ? [{ ...r, paper: byId.get(r.id)! }] : [])),
        total: ranked.length,
        offset: q.offset,
        limit: q.limit,
      };
    },
    async rank(userId, ids, ro = {}) {
      if (ids.length > MAX_RANK_IDS) throw new SignalError(400, `at most ${MAX_RANK_IDS} ids at once, got ${ids.length}`);
      const found = await knownIds(ids);
      const unknown = [...new Set(ids.filter((id) => !found.has(id)))];
      if (unknown.length) {
        const shown = unknown.slice(0, 20).join(', ');
        throw new SignalError(400, `unknown paper ids: ${shown}${unknown.length > 20 ? ` and ${unknown.length - 20} more` : ''}`);
      }
      const state = await reader(userId);
      // The ranker leaves out what the reader liked or dismissed; a list asked for is ranked whole.
      const model = ro.dropKnown ? state.model : { ...state.model, known: new Set<string>() };
      return present(state, await recommender.rank(model, [...new Set(ids)], ro.reasons ?? 50));
    },
    async importLibrary(userId, text, format) {
      const { ids, problems } = await matchLibrary(format === 'bibtex' ? parseBibtex(text) : parseIdList(text));
      await signals.addImports(userId, ids);
      return { imported: ids, unknown: problems.map((p) => p.entry), problems };
    },
    matchLibrary,
    async forEmail(email, start, end, limit) {
      const user = await db.selectFrom('users').select('id').where('email', '=', email.toLowerCase()).executeTakeFirst();
      if (!user) return [];
      const state = await reader(Number(user.id));
      if (state.cold) return [];
      const rows = await db
        .selectFrom('papers')
        .select('id')
        .where('published_at', '>=', start)
        .where('published_at', '<', end)
        .orderBy('published_at', 'desc')
        .limit(MAX_PERIOD_CANDIDATES)
        .execute();
      const ranked = present(
        state,
        await recommender.rank(
          state.model,
          rows.map((r) => r.id),
          limit,
        ),
      ).slice(0, limit);
      const byId = new Map((await o.papers.getMany(ranked.map((r) => r.id))).map((p) => [p.id, p]));
      return ranked.flatMap((r) => (byId.has(r.id) ? [{ ...r, paper: byId.get(r.id)! }] : []));
    },
    async warm() {
      const day = await latestDay();
      if (day) await recommender.papersFor(await dayIds(day));
    },
    exportSignals: (userId) => signals.list(userId),
    picks,
    categoryChoices,
    forget(userId) {
      models.delete(userId);
    },
  };
}
