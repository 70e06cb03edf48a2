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
  /** links found in the paper's own text (migration 0019): the first repository, the first page, all as JSON */
  found_repo: string | null;
  found_page: string | null;
  found_links: string | null;
  /** a language model's one-line summary (migration 0021), its model, the hash of the abstract it read, the content_hash the job last saw */
  ai_summary: string | null;
  ai_summary_model: string | null;
  ai_summary_hash: string | null;
  ai_summary_seen: string | null;
  /** hash of the arXiv-owned fields: an import that brings the same content changes nothing */
  content_hash: string;
  ingested_at: string;
}

/** The papers' change feed (migration 0014): each paper's last insert, text change or delete. */
export interface PaperChangesTable {
  /** increases with every change (a bigint on PostgreSQL, read as a number) */
  seq: Generated<number>;
  paper_id: string;
}

/** A random name of this database's change feed (one row), which saved indexes name. */
export interface PaperChangesOriginTable {
  id: number;
  origin: string;
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

export type Role = 'member' | 'curator' | 'admin' | 'system';

export interface UsersTable {
  id: Generated<number>;
  /** lower-cased */
  email: string;
  username: string;
  display_name: string | null;
  role: Role;
  created_at: string;
}

export interface LoginTokensTable {
  /** SHA-256 (base64url) of the emailed token */
  token_hash: string;
  email: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface SessionsTable {
  /** SHA-256 (base64url) of the cookie value */
  token_hash: string;
  user_id: number;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
}

export interface SubmissionsTable {
  paper_id: string;
  /** YYYY-MM-DD in FEED_TIMEZONE on the day it was submitted */
  feed_day: string;
  submitted_by: number | null;
  submitted_at: string;
  comment: string | null;
  github_repo: string | null;
  project_page: string | null;
  upvotes: Generated<number>;
  comments_count: Generated<number>;
  /** src/feed/hotness.ts, recomputed in the transaction of every vote */
  hotness: Generated<number>;
  /** 0 or 1: unfeatured by a curator */
  hidden: Generated<number>;
}

export interface UpvotesTable {
  paper_id: string;
  user_id: number;
  created_at: string;
}

export interface CommentsTable {
  id: Generated<number>;
  paper_id: string;
  user_id: number;
  parent_id: number | null;
  body: string;
  created_at: string;
  updated_at: string;
  deleted: Generated<number>;
  hidden: Generated<number>;
}

export interface AuthorClaimsTable {
  id: Generated<number>;
  paper_id: string;
  author_index: number;
  author_name: string;
  user_id: number;
  status: Generated<'pending' | 'approved' | 'rejected'>;
  created_at: string;
  decided_by: number | null;
  decided_at: string | null;
}

export interface FeedStateTable {
  id: number;
  version: number;
}

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

export interface PaperVectorsTable {
  paper_id: string;
  model: string;
  model_version: string;
  dim: number;
  vector: Uint8Array;
  embedded_at: string;
}

export interface DigestSubscribersTable {
  id: string;
  /** lower-cased address */
  email: string;
  /** pending (not confirmed), active, paused, unsubscribed, suspended (3 permanent failures in a row) */
  status: string;
  /** daily | weekly */
  frequency: string;
  /** 0 (Sunday) to 6: the weekday weekly digests go out */
  weekday: number;
  trending_count: number;
  /** papers in the For-you section (members only; 0: none) */
  foryou_count: Generated<number>;
  confirm_token_hash: string | null;
  confirm_expires_at: string | null;
  confirm_sent_at: string | null;
  consecutive_failures: number;
  created_at: string;
  confirmed_at: string | null;
  updated_at: string;
}

export interface DigestTopicsTable {
  id: string;
  subscriber_id: string;
  query: string;
  /** JSON array of arXiv categories; empty means any */
  categories: string;
  created_at: string;
}

export interface DigestSendsTable {
  subscriber_id: string;
  period: string;
  /** sending (claimed, lease in lease_until), retry, sent, empty, failed */
  status: string;
  owner: string | null;
  lease_until: string | null;
  attempts: number;
  /** JSON array of the paper ids this digest carries */
  paper_ids: string;
  message_id: string | null;
  error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface DigestSentPapersTable {
  subscriber_id: string;
  paper_id: string;
  period: string;
}

export interface RateLimitsTable {
  /** SHA-256 (hex) of limiter name and key */
  key: string;
  /** epoch milliseconds; bigint on PostgreSQL */
  window_start: number | string;
  hits: number;
}

export interface EmbedderTrainingTable {
  /** the model kind: 'corpus' */
  name: string;
  claimed_by: string | null;
  lease_until: string | null;
  started_at: string | null;
  finished_at: string | null;
  papers: number | null;
  version: string | null;
  last_error: string | null;
}

export interface EmbedderModelsTable {
  version: string;
  name: string;
  papers: number;
  created_at: string;
  /** the model file's bytes */
  model: Uint8Array;
}

export interface ReaderSignalsTable {
  user_id: number;
  paper_id: string;
  /** save | dismiss | import (upvotes are in `upvotes`) */
  kind: string;
  created_at: string;
}

/** An author name of a paper as a normalised key (migration 0018, src/follow/author-name.ts). */
export interface AuthorKeysTable {
  key: string;
  paper_id: string;
}

/** Where the author index stands in the papers' change feed (one row). */
export interface AuthorIndexStateTable {
  id: number;
  /** JSON FeedPosition (src/search/lexical/change-feed.ts) */
  position: string;
}

/** What a member follows (migration 0018): private to them. */
export interface FollowsTable {
  user_id: number;
  kind: 'author' | 'member' | 'category' | 'search';
  /** author: the name's key; member: the user id; category; search: the query */
  value: string;
  /** as shown: the author name as written, the username, the category, the query */
  label: string;
  created_at: string;
}

/** A member's named list of papers (migration 0017); is_saved marks the default "Saved" one. */
export interface CollectionsTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  slug: string;
  /** 0 or 1 */
  is_public: number;
  /** 0 or 1: the member's default "Saved" collection, what the Save button fills */
  is_saved: number;
  created_at: string;
  updated_at: string;
}

export interface CollectionPapersTable {
  collection_id: number;
  paper_id: string;
  /** order in the list, smallest first */
  position: number;
  /** the member's private note */
  note: string | null;
  /** when the member marked it read; null: unread */
  read_at: string | null;
  /** the paper's arXiv version when it was added */
  version_added: number;
  added_at: string;
}

export interface Schema {
  papers: PapersTable;
  paper_categories: PaperCategoriesTable;
  paper_changes: PaperChangesTable;
  paper_changes_origin: PaperChangesOriginTable;
  schema_migrations: SchemaMigrationsTable;
  users: UsersTable;
  login_tokens: LoginTokensTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  submissions: SubmissionsTable;
  upvotes: UpvotesTable;
  comments: CommentsTable;
  author_claims: AuthorClaimsTable;
  feed_state: FeedStateTable;
  harvest_windows: HarvestWindowsTable;
  paper_vectors: PaperVectorsTable;
  digest_subscribers: DigestSubscribersTable;
  digest_topics: DigestTopicsTable;
  rate_limits: RateLimitsTable;
  digest_sends: DigestSendsTable;
  digest_sent_papers: DigestSentPapersTable;
  embedder_training: EmbedderTrainingTable;
  embedder_models: EmbedderModelsTable;
  reader_signals: ReaderSignalsTable;
  collections: CollectionsTable;
  collection_papers: CollectionPapersTable;
  author_keys: AuthorKeysTable;
  author_index_state: AuthorIndexStateTable;
  follows: FollowsTable;
  code_link_backfill: CodeLinkBackfillTable;
  github_repos: GithubReposTable;
  github_repo_stars: GithubRepoStarsTable;
  summary_tries: SummaryTriesTable;
  summary_budget: SummaryBudgetTable;
  paper_thumbnails: PaperThumbnailsTable;
}

/** Thumbnails of papers' first pages (migration 0022): asked for, drawn, or failed. */
export interface PaperThumbnailsTable {
  paper_id: string;
  status: 'pending' | 'drawing' | 'ok' | 'failed';
  width: number | null;
  height: number | null;
  /** the PNG, once drawn */
  image: Uint8Array | null;
  error: string | null;
  attempts: Generated<number>;
  due_at: string;
  done_at: string | null;
}

/** How far the code-link backfill has read the papers (migration 0019); one row. */
export interface CodeLinkBackfillTable {
  id: number;
  after_id: string;
  done: number;
}

/** GitHub repositories linked from papers, and the GitHub API's last answer (migration 0019). */
export interface GithubReposTable {
  /** the link as papers and submissions hold it */
  url: string;
  /** owner/name */
  repo: string;
  stars: number | null;
  etag: string | null;
  checked_at: string | null;
  next_check_at: string;
  gone: number;
  failures: number;
}

export interface GithubRepoStarsTable {
  url: string;
  day: string;
  stars: number;
}

/** A paper being summarised by a language model, or waiting after a failed try (migration 0021). */
export interface SummaryTriesTable {
  paper_id: string;
  claimed_by: string | null;
  claimed_until: string | null;
  failures: number;
  next_try_at: string | null;
  last_error: string | null;
}

/** Papers sent to the summary model per UTC day (migration 0021). */
export interface SummaryBudgetTable {
  day: string;
  used: number;
}
