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

/** One embedding per paper for the current model (search/). */
export interface PaperVectorsTable {
  paper_id: string;
  model: string;
  model_version: string;
  dim: number;
  vector: Uint8Array;
  embedded_at: string;
}

export interface Schema {
  papers: PapersTable;
  paper_vectors: PaperVectorsTable;
  paper_categories: PaperCategoriesTable;
  schema_migrations: SchemaMigrationsTable;
}
