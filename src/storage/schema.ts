import type { Generated } from 'kysely';

// Table types for Kysely. Each domain adds its tables here; both dialects store the same
// columns with the same types (dates as ISO-8601 UTC text, lists as JSON text).

export interface PapersTable {
  id: string;
  version: number;
  title: string;
  abstract: string;
  /** JSON array of author names, in paper order */
  authors: string;
  /** JSON array of categories, primary first */
  categories: string;
  primary_category: string;
  published_at: string;
  updated_at: string;
  comments: string | null;
  journal_ref: string | null;
  doi: string | null;
  license: string | null;
  github_repo: string | null;
  project_page: string | null;
  /** hash of the arXiv-owned fields: an import that brings the same content changes nothing */
  content_hash: string;
  ingested_at: string;
}

export interface PaperCategoriesTable {
  paper_id: string;
  category: string;
  position: number;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: string;
}

export interface Schema {
  papers: PapersTable;
  paper_categories: PaperCategoriesTable;
  schema_migrations: SchemaMigrationsTable;
  harvest_windows: HarvestWindowsTable;
}

// 0003_harvest
export interface HarvestWindowsTable {
  /** `${source}:${set_spec}:${day}` */
  key: string;
  /** 'api' | 'oai' */
  source: string;
  /** OAI set (e.g. "cs"), or "" for the API's category query */
  set_spec: string;
  /** YYYY-MM-DD (UTC) */
  day: string;
  /** 'pending' | 'running' | 'done' | 'failed' */
  status: string;
  /** JSON: where the next page starts ({start} or {token}); null at the beginning */
  cursor: string | null;
  run_after: string;
  /** "host:pid" of the process holding the window */
  claimed_by: string | null;
  lease_until: string | null;
  /** failed runs since the last success (for backoff) */
  attempts: Generated<number>;
  /** how many times a worker claimed it */
  runs: Generated<number>;
  requests: Generated<number>;
  errors: Generated<number>;
  inserted: Generated<number>;
  updated: Generated<number>;
  unchanged: Generated<number>;
  rejected: Generated<number>;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: Generated<string | null>;
}
