-- Papers: one row per arXiv id, holding its latest version.
CREATE TABLE papers (
  id               TEXT PRIMARY KEY,
  version          INTEGER NOT NULL,
  title            TEXT NOT NULL,
  abstract         TEXT NOT NULL,
  authors          TEXT NOT NULL,
  categories       TEXT NOT NULL,
  primary_category TEXT NOT NULL,
  published_at     TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  comments         TEXT,
  journal_ref      TEXT,
  doi              TEXT,
  license          TEXT,
  github_repo      TEXT,
  project_page     TEXT,
  content_hash     TEXT NOT NULL,
  ingested_at      TEXT NOT NULL
);
CREATE INDEX papers_published_at ON papers (published_at DESC, id);

CREATE TABLE paper_categories (
  paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
  category TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (paper_id, category)
);
CREATE INDEX paper_categories_category ON paper_categories (category, paper_id);
