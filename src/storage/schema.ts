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

export interface Schema {
  papers: PapersTable;
  paper_categories: PaperCategoriesTable;
  schema_migrations: SchemaMigrationsTable;
  digest_subscribers: DigestSubscribersTable;
  digest_topics: DigestTopicsTable;
  digest_sends: DigestSendsTable;
  digest_sent_papers: DigestSentPapersTable;
}
