-- Code and project links found in a paper's own text (issue #28): its abstract and arXiv comment.
-- github_repo and project_page stay what members set; a paper shows theirs first, then these.
ALTER TABLE papers ADD COLUMN found_repo TEXT;
ALTER TABLE papers ADD COLUMN found_page TEXT;
-- every link found, in the order written: JSON [{"url": ..., "kind": ...}]; NULL when none
ALTER TABLE papers ADD COLUMN found_links TEXT;

-- How far the backfill has read the papers stored before this migration (in id order); a paper
-- stored since is read as it is stored.
CREATE TABLE code_link_backfill (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  after_id TEXT NOT NULL,
  done     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO code_link_backfill (id, after_id, done) VALUES (1, '', 0);
