import type { Transaction } from 'kysely';
import type { Database } from '../storage/database.js';
import type { Schema } from '../storage/schema.js';
import type { Paper } from '../papers/paper.js';
import { chunks, toPaper } from '../papers/store.js';

// Collections: a member's named lists of papers (migration 0017). Private unless made public; each
// paper carries the member's private note, a read mark, its place, and the arXiv version it had when
// added. Every member has a default collection, "Saved", created when first needed: it is what the
// Save button fills, and its papers are the member's "save" signals for For you (reader_signals): a
// paper added to or removed from it is saved or unsaved in the same transaction, and the signal store
// keeps it in step the other way (syncSaved, called by src/recommend/signals.ts).

export const SAVED_SLUG = 'saved';
export const MAX_NAME_CHARS = 100;
export const MAX_NOTE_CHARS = 4000;
/** Papers one collection holds at most (an import or an API client cannot grow one without end). */
export const MAX_COLLECTION_PAPERS = 20_000;

export interface Collection {
  id: number;
  userId: number;
  name: string;
  slug: string;
  public: boolean;
  /** the member's default "Saved" collection */
  saved: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface CollectionSummary extends Collection {
  count: number;
}

export interface CollectionItem {
  paper: Paper;
  position: number;
  note: string | null;
  readAt: string | null;
  versionAdded: number;
  addedAt: string;
}

/** Bad input (400), or a collection or paper that is not there (404); the message says which. */
export class CollectionError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(`collections: ${message}`);
  }
  get statusCode(): number {
    return this.status;
  }
}

export interface CollectionStore {
  /** the member's collections, "Saved" first (created if missing), then by name */
  mine(userId: number): Promise<CollectionSummary[]>;
  /** the member's public collections, by name (what their profile lists to others) */
  publicOf(userId: number): Promise<Collection[]>;
  create(userId: number, o: { name: string; public?: boolean }): Promise<Collection>;
  get(id: number): Promise<Collection | null>;
  /** by owner and slug (the public URL /u/:username/c/:slug) */
  bySlug(userId: number, slug: string): Promise<Collection | null>;
  /** the member's "Saved" collection, created if missing */
  savedOf(userId: number): Promise<Collection>;
  update(c: Collection, o: { name?: string; public?: boolean }): Promise<Collection>;
  /** deletes a collection and its papers' places in it ("Saved" cannot be deleted) */
  delete(c: Collection): Promise<void>;
  items(c: Collection): Promise<CollectionItem[]>;
  /** adds a paper on top (a note replaces the one it had); answers whether it was new */
  add(c: Collection, paperId: string, note?: string | null): Promise<boolean>;
  /** adds papers the caller checked exist, on top in the order given; answers how many were new */
  addMany(c: Collection, paperIds: string[]): Promise<number>;
  remove(c: Collection, paperId: string): Promise<boolean>;
  move(c: Collection, paperId: string, direction: 'up' | 'down'): Promise<void>;
  setNote(c: Collection, paperId: string, note: string | null): Promise<void>;
  setRead(c: Collection, paperId: string, read: boolean): Promise<void>;
  /** which of the member's collections hold the paper */
  holding(userId: number, paperId: string): Promise<Collection[]>;
}

type Trx = Transaction<Schema>;
type Row = Schema['collections'] & { id: number };

function present(r: {
  id: number;
  user_id: number;
  name: string;
  slug: string;
  is_public: number;
  is_saved: number;
  created_at: string;
  updated_at: string;
}): Collection {
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    name: r.name,
    slug: r.slug,
    public: Number(r.is_public) === 1,
    saved: Number(r.is_saved) === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** A name as kept: trimmed, single spaces, 1 to MAX_NAME_CHARS characters. */
export function collectionName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.replace(/\s+/g, ' ').trim() : '';
  if (!name) throw new CollectionError(400, 'a collection needs a name');
  if (name.length > MAX_NAME_CHARS) throw new CollectionError(400, `a name has at most ${MAX_NAME_CHARS} characters (got ${name.length})`);
  return name;
}

/** "Graph Neural Nets!" -> "graph-neural-nets": letters and digits of the name, accents dropped. */
export function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug || 'collection';
}

function noteOf(raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null) return null;
  const note = raw.replace(/\r\n/g, '\n').trim();
  if (note.length > MAX_NOTE_CHARS) throw new CollectionError(400, `a note has at most ${MAX_NOTE_CHARS} characters (got ${note.length})`);
  return note || null;
}

async function ensureSaved(trx: Trx | Database['db'], userId: number, at: string): Promise<Row> {
  const found = await trx.selectFrom('collections').selectAll().where('user_id', '=', userId).where('is_saved', '=', 1).executeTakeFirst();
  if (found) return found as Row;
  // A collection the member named "saved" before keeps its slug; the default then takes "saved-list".
  const taken = await trx.selectFrom('collections').select('id').where('user_id', '=', userId).where('slug', '=', SAVED_SLUG).executeTakeFirst();
  await trx
    .insertInto('collections')
    .values({ user_id: userId, name: 'Saved', slug: taken ? 'saved-list' : SAVED_SLUG, is_public: 0, is_saved: 1, created_at: at, updated_at: at })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return (await trx.selectFrom('collections').selectAll().where('user_id', '=', userId).where('is_saved', '=', 1).executeTakeFirstOrThrow()) as Row;
}

/** The position above the first paper (new papers go on top, as "Saved" always listed them), for n papers. */
async function topPositions(trx: Trx | Database['db'], collectionId: number, n: number): Promise<number> {
  const row = await trx
    .selectFrom('collection_papers')
    .select((eb) => [eb.fn.min('position').as('top'), eb.fn.countAll().as('n')])
    .where('collection_id', '=', collectionId)
    .executeTakeFirst();
  if (Number(row?.n ?? 0) + n > MAX_COLLECTION_PAPERS) throw new CollectionError(409, `a collection holds at most ${MAX_COLLECTION_PAPERS} papers`);
  return (row?.top === null || row?.top === undefined ? 1 : Number(row.top)) - n;
}

async function insertPaper(trx: Trx, collectionId: number, paperId: string, note: string | null | undefined, at: string): Promise<boolean> {
  const paper = await trx.selectFrom('papers').select(['id', 'version']).where('id', '=', paperId).executeTakeFirst();
  if (!paper) throw new CollectionError(404, `arXiv:${paperId} is not in this instance`);
  const had = await trx
    .selectFrom('collection_papers')
    .select('paper_id')
    .where('collection_id', '=', collectionId)
    .where('paper_id', '=', paperId)
    .executeTakeFirst();
  if (had) {
    if (note !== undefined)
      await trx
        .updateTable('collection_papers')
        .set({ note: noteOf(note) })
        .where('collection_id', '=', collectionId)
        .where('paper_id', '=', paperId)
        .execute();
    return false;
  }
  await trx
    .insertInto('collection_papers')
    .values({
      collection_id: collectionId,
      paper_id: paperId,
      position: await topPositions(trx, collectionId, 1),
      note: noteOf(note),
      read_at: null,
      version_added: Number(paper.version),
      added_at: at,
    })
    .execute();
  await trx.updateTable('collections').set({ updated_at: at }).where('id', '=', collectionId).execute();
  return true;
}

/**
 * Keeps the "Saved" collection in step with a save signal turned on or off (the Save button, the API,
 * "not interested" taking a save back): called by the signal store inside its transaction.
 */
export async function syncSaved(trx: Trx, userId: number, paperId: string, on: boolean, at: string): Promise<void> {
  const saved = await ensureSaved(trx, userId, at);
  if (on) await insertPaper(trx, Number(saved.id), paperId, undefined, at);
  else await trx.deleteFrom('collection_papers').where('collection_id', '=', Number(saved.id)).where('paper_id', '=', paperId).execute();
}

/** The save signal beside a change to the "Saved" collection (saving takes back "not interested"). */
async function setSaveSignal(trx: Trx, userId: number, paperIds: string[], on: boolean, at: string): Promise<void> {
  for (const part of chunks(paperIds, 200)) {
    if (on) {
      await trx.deleteFrom('reader_signals').where('user_id', '=', userId).where('kind', '=', 'dismiss').where('paper_id', 'in', part).execute();
      await trx
        .insertInto('reader_signals')
        .values(part.map((paper_id) => ({ user_id: userId, paper_id, kind: 'save', created_at: at })))
        .onConflict((oc) => oc.columns(['user_id', 'kind', 'paper_id']).doNothing())
        .execute();
    } else await trx.deleteFrom('reader_signals').where('user_id', '=', userId).where('kind', '=', 'save').where('paper_id', 'in', part).execute();
  }
}

export function createCollectionStore(database: Database, now: () => Date = () => new Date()): CollectionStore {
  const { db } = database;
  const at = () => now().toISOString();

  async function uniqueSlug(userId: number, name: string, except?: number): Promise<string> {
    const base = slugOf(name);
    const rows = await db.selectFrom('collections').select(['id', 'slug']).where('user_id', '=', userId).execute();
    const taken = new Set(rows.filter((r) => Number(r.id) !== except).map((r) => r.slug));
    taken.add(SAVED_SLUG); // the default's, even before it exists
    if (!taken.has(base)) return base;
    for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
  }

  const store: CollectionStore = {
    async mine(userId) {
      await ensureSaved(db, userId, at());
      const rows = await db
        .selectFrom('collections as c')
        .leftJoin('collection_papers as cp', 'cp.collection_id', 'c.id')
        .select(['c.id', 'c.user_id', 'c.name', 'c.slug', 'c.is_public', 'c.is_saved', 'c.created_at', 'c.updated_at'])
        .select((eb) => eb.fn.count('cp.paper_id').as('count'))
        .where('c.user_id', '=', userId)
        .groupBy(['c.id', 'c.user_id', 'c.name', 'c.slug', 'c.is_public', 'c.is_saved', 'c.created_at', 'c.updated_at'])
        .execute();
      return rows
        .map((r) => ({ ...present(r), count: Number(r.count) }))
        .sort((a, b) => Number(b.saved) - Number(a.saved) || a.name.localeCompare(b.name) || a.id - b.id);
    },
    async publicOf(userId) {
      const rows = await db.selectFrom('collections').selectAll().where('user_id', '=', userId).where('is_public', '=', 1).execute();
      return rows.map((r) => present(r as Row)).sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
    },
    async create(userId, o) {
      const name = collectionName(o.name);
      const t = at();
      const slug = await uniqueSlug(userId, name);
      await db
        .insertInto('collections')
        .values({ user_id: userId, name, slug, is_public: o.public ? 1 : 0, is_saved: 0, created_at: t, updated_at: t })
        .execute();
      return (await store.bySlug(userId, slug))!;
    },
    async get(id) {
      if (!Number.isSafeInteger(id) || id <= 0) return null;
      const r = await db.selectFrom('collections').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? present(r as Row) : null;
    },
    async bySlug(userId, slug) {
      const r = await db.selectFrom('collections').selectAll().where('user_id', '=', userId).where('slug', '=', slug).executeTakeFirst();
      return r ? present(r as Row) : null;
    },
    async savedOf(userId) {
      return present(await ensureSaved(db, userId, at()));
    },
    async update(c, o) {
      const name = o.name === undefined ? c.name : collectionName(o.name);
      // The default keeps its slug (what Save links to); another collection follows its new name.
      const slug = c.saved || name === c.name ? c.slug : await uniqueSlug(c.userId, name, c.id);
      await db
        .updateTable('collections')
        .set({ name, slug, is_public: (o.public ?? c.public) ? 1 : 0, updated_at: at() })
        .where('id', '=', c.id)
        .execute();
      return (await store.get(c.id))!;
    },
    async delete(c) {
      if (c.saved) throw new CollectionError(400, '"Saved" is your default collection: it can be emptied, not deleted');
      await db.deleteFrom('collections').where('id', '=', c.id).execute();
    },
    async items(c) {
      // One joined read in list order (a 10,000-paper export spent most of its time in id lists).
      const rows = await db
        .selectFrom('collection_papers as cp')
        .innerJoin('papers as p', 'p.id', 'cp.paper_id')
        .selectAll('p')
        .select(['cp.position', 'cp.note', 'cp.read_at', 'cp.version_added', 'cp.added_at'])
        .where('cp.collection_id', '=', c.id)
        .orderBy('cp.position')
        .orderBy('cp.paper_id')
        .execute();
      return rows.map((r) => ({
        paper: toPaper(r),
        position: Number(r.position),
        note: r.note,
        readAt: r.read_at,
        versionAdded: Number(r.version_added),
        addedAt: r.added_at,
      }));
    },
    async add(c, paperId, note) {
      return db.transaction().execute(async (trx) => {
        const t = at();
        const added = await insertPaper(trx, c.id, paperId, note, t);
        if (c.saved) await setSaveSignal(trx, c.userId, [paperId], true, t);
        return added;
      });
    },
    async addMany(c, paperIds) {
      const ids = [...new Set(paperIds)];
      return db.transaction().execute(async (trx) => {
        const t = at();
        const had = new Set<string>();
        for (const part of chunks(ids, 500)) {
          const rows = await trx.selectFrom('collection_papers').select('paper_id').where('collection_id', '=', c.id).where('paper_id', 'in', part).execute();
          for (const r of rows) had.add(r.paper_id);
        }
        const fresh = ids.filter((id) => !had.has(id));
        const versions = new Map<string, number>();
        for (const part of chunks(fresh, 500)) {
          for (const r of await trx.selectFrom('papers').select(['id', 'version']).where('id', 'in', part).execute()) versions.set(r.id, Number(r.version));
        }
        const known = fresh.filter((id) => versions.has(id));
        // On top, in the order given.
        let position = await topPositions(trx, c.id, known.length);
        const rows = known.map((paper_id) => ({
          collection_id: c.id,
          paper_id,
          position: position++,
          note: null,
          read_at: null,
          version_added: versions.get(paper_id)!,
          added_at: t,
        }));
        for (const part of chunks(rows, 200)) await trx.insertInto('collection_papers').values(part).execute();
        if (c.saved) await setSaveSignal(trx, c.userId, ids, true, t);
        if (rows.length) await trx.updateTable('collections').set({ updated_at: t }).where('id', '=', c.id).execute();
        return rows.length;
      });
    },
    async remove(c, paperId) {
      return db.transaction().execute(async (trx) => {
        const r = await trx.deleteFrom('collection_papers').where('collection_id', '=', c.id).where('paper_id', '=', paperId).executeTakeFirst();
        if (c.saved) await setSaveSignal(trx, c.userId, [paperId], false, at());
        return Number(r.numDeletedRows) > 0;
      });
    },
    async move(c, paperId, direction) {
      await db.transaction().execute(async (trx) => {
        const me = await trx
          .selectFrom('collection_papers')
          .select(['paper_id', 'position'])
          .where('collection_id', '=', c.id)
          .where('paper_id', '=', paperId)
          .executeTakeFirst();
        if (!me) throw new CollectionError(404, `arXiv:${paperId} is not in this collection`);
        const pos = Number(me.position);
        const other = await trx
          .selectFrom('collection_papers')
          .select(['paper_id', 'position'])
          .where('collection_id', '=', c.id)
          .where('position', direction === 'up' ? '<' : '>', pos)
          .orderBy('position', direction === 'up' ? 'desc' : 'asc')
          .limit(1)
          .executeTakeFirst();
        if (!other) return; // already first (or last)
        await trx
          .updateTable('collection_papers')
          .set({ position: Number(other.position) })
          .where('collection_id', '=', c.id)
          .where('paper_id', '=', paperId)
          .execute();
        await trx.updateTable('collection_papers').set({ position: pos }).where('collection_id', '=', c.id).where('paper_id', '=', other.paper_id).execute();
      });
    },
    async setNote(c, paperId, note) {
      const r = await db
        .updateTable('collection_papers')
        .set({ note: noteOf(note) })
        .where('collection_id', '=', c.id)
        .where('paper_id', '=', paperId)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new CollectionError(404, `arXiv:${paperId} is not in this collection`);
    },
    async setRead(c, paperId, read) {
      const r = await db
        .updateTable('collection_papers')
        .set({ read_at: read ? at() : null })
        .where('collection_id', '=', c.id)
        .where('paper_id', '=', paperId)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new CollectionError(404, `arXiv:${paperId} is not in this collection`);
    },
    async holding(userId, paperId) {
      const rows = await db
        .selectFrom('collections as c')
        .innerJoin('collection_papers as cp', 'cp.collection_id', 'c.id')
        .select(['c.id', 'c.user_id', 'c.name', 'c.slug', 'c.is_public', 'c.is_saved', 'c.created_at', 'c.updated_at'])
        .where('c.user_id', '=', userId)
        .where('cp.paper_id', '=', paperId)
        .execute();
      return rows.map(present).sort((a, b) => Number(b.saved) - Number(a.saved) || a.name.localeCompare(b.name));
    },
  };
  return store;
}
