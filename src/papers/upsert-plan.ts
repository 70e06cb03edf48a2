// What an upsert of a batch of papers does, apart from how a dialect writes it: which records are new,
// changed or unchanged (content hash, version order), and the row each becomes.
import { findCodeLinks } from './code-links.js';
import { contentHash, type PaperRecord } from './paper.js';

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

export interface UpsertSummary {
  inserted: number;
  updated: number;
  unchanged: number;
  outcomes: Map<string, UpsertOutcome>;
}

export interface Existing {
  version: number;
  updated_at: string;
  content_hash: string;
}

interface Plan {
  outcomes: Map<string, UpsertOutcome>;
  /** records to insert or update, with their content hash */
  toWrite: { record: PaperRecord; hash: string }[];
  /** ids that existed and changed: their category rows are replaced */
  changedIds: string[];
}

/** Decide per record: insert, update, or leave unchanged (same content, or an older version). */
export function plan(records: PaperRecord[], existing: Map<string, Existing>): Plan {
  const outcomes = new Map<string, UpsertOutcome>();
  const toWrite: Plan['toWrite'] = [];
  const changedIds: string[] = [];
  for (const incoming of records) {
    const old = existing.get(incoming.id);
    // Version 0 (OAI-PMH's arXiv format has none) is "unknown": ordered by updated date, and the
    // stored version number is kept.
    const r = incoming.version === 0 ? { ...incoming, version: Math.max(1, old?.version ?? 1) } : incoming;
    const stale = old && (incoming.version === 0 ? old.updated_at > incoming.updatedAt : old.version > incoming.version);
    // The import's reader thread hashes records ahead of time; others are hashed here.
    const pre = (incoming as { contentHash?: string }).contentHash;
    const hash = incoming.version !== 0 && pre ? pre : contentHash(r);
    if (!old) {
      outcomes.set(r.id, 'inserted');
      toWrite.push({ record: r, hash });
    } else if (stale || old.content_hash === hash) {
      outcomes.set(r.id, 'unchanged');
    } else {
      outcomes.set(r.id, 'updated');
      toWrite.push({ record: r, hash });
      changedIds.push(r.id);
    }
  }
  return { outcomes, toWrite, changedIds };
}

/** Within one batch the newest version of an id wins, as across batches. */
export function newestPerId(records: PaperRecord[]): PaperRecord[] {
  const byId = new Map<string, PaperRecord>();
  for (const r of records) {
    const prev = byId.get(r.id);
    if (!prev || r.version >= prev.version || (r.version === 0 && r.updatedAt >= prev.updatedAt)) byId.set(r.id, r);
  }
  return [...byId.values()];
}

export function row(r: PaperRecord, hash: string, now: string) {
  // The links found in the paper's own text, written with it (in the same statement, so a write
  // takes its row locks once): a new version with another comment has other links.
  const found = findCodeLinks(r.abstract, r.comments);
  return {
    id: r.id,
    version: r.version,
    title: r.title,
    abstract: r.abstract,
    authors: JSON.stringify(r.authors),
    categories: JSON.stringify(r.categories),
    primary_category: r.categories[0],
    published_at: r.publishedAt,
    updated_at: r.updatedAt,
    comments: r.comments,
    journal_ref: r.journalRef,
    doi: r.doi,
    license: r.license,
    github_repo: null,
    project_page: null,
    found_repo: found.repo,
    found_page: found.page,
    found_links: found.links.length ? JSON.stringify(found.links) : null,
    content_hash: hash,
    ingested_at: now,
  };
}

/** The columns of `row()`, in its order. */
export const ROW_COLUMNS = Object.keys(
  row(
    {
      id: '',
      version: 0,
      title: '',
      abstract: '',
      authors: [],
      categories: [''],
      publishedAt: '',
      updatedAt: '',
      comments: null,
      journalRef: null,
      doi: null,
      license: null,
    },
    '',
    '',
  ),
) as (keyof ReturnType<typeof row>)[];

// arXiv-owned columns only: links added by members survive a re-import.
export const UPDATED_COLUMNS = [
  'version',
  'title',
  'abstract',
  'authors',
  'categories',
  'primary_category',
  'published_at',
  'updated_at',
  'comments',
  'journal_ref',
  'doi',
  'license',
  'found_repo',
  'found_page',
  'found_links',
  'content_hash',
] as const;

export function summarise(outcomes: Map<string, UpsertOutcome>): UpsertSummary {
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  for (const o of outcomes.values()) {
    if (o === 'inserted') inserted++;
    else if (o === 'updated') updated++;
    else unchanged++;
  }
  return { inserted, updated, unchanged, outcomes };
}

// SQLite allows 32,766 bound variables per statement; 20 columns x 500 rows stays well below.
export const ROWS_PER_STATEMENT = 500;

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
