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

-- GitHub repositories linked from papers (by the link as papers and submissions hold it), and what
-- the GitHub API last said of each.
CREATE TABLE github_repos (
  url           TEXT PRIMARY KEY,
  -- "owner/name" as the API path takes it
  repo          TEXT NOT NULL,
  stars         INTEGER,
  etag          TEXT,
  checked_at    TEXT,
  -- when to ask again (a deleted repository: rarely)
  next_check_at TEXT NOT NULL,
  gone          INTEGER NOT NULL DEFAULT 0,
  failures      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX github_repos_due ON github_repos (next_check_at);

-- One star count per repository and UTC day, for the stars gained over a week.
CREATE TABLE github_repo_stars (
  url   TEXT NOT NULL REFERENCES github_repos (url) ON DELETE CASCADE,
  day   TEXT NOT NULL,
  stars INTEGER NOT NULL,
  PRIMARY KEY (url, day)
);
