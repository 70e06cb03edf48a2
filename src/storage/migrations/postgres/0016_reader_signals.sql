-- For you (issue #26): what a member tells the ranker about papers, private to them. Upvotes stay in
-- `upvotes` (a public vote and a private signal); saves, dismissals ("not interested") and imports
-- (from a list of ids or a BibTeX file) are kept here, one row per member, paper and kind, so that
-- repeating a signal changes nothing.
CREATE TABLE reader_signals (
  user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  paper_id   TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('save', 'dismiss', 'import')),
  created_at TEXT NOT NULL,
  PRIMARY KEY (user_id, kind, paper_id)
);
CREATE INDEX reader_signals_paper ON reader_signals (paper_id);

-- How many For-you papers a member's digest carries (0: none).
ALTER TABLE digest_subscribers ADD COLUMN foryou_count INTEGER NOT NULL DEFAULT 5;

-- A DOI names a paper in a BibTeX import (DOIs compare case-insensitively).
CREATE INDEX papers_doi ON papers (lower(doi)) WHERE doi IS NOT NULL;
