-- One-line summaries written by a language model (issue #28 item 4, SUMMARY_URL): the sentence,
-- the model that wrote it and the hash of the abstract it was written from (a changed abstract is
-- summarised again; until then the pages show the extractive sentence). ai_summary_seen is the
-- papers.content_hash the job last looked at, so that finding the papers to do is one comparison.
ALTER TABLE papers ADD COLUMN ai_summary TEXT;
ALTER TABLE papers ADD COLUMN ai_summary_model TEXT;
ALTER TABLE papers ADD COLUMN ai_summary_hash TEXT;
ALTER TABLE papers ADD COLUMN ai_summary_seen TEXT;
-- The papers the job has still to look at, newest first: it finds them without reading the others.
CREATE INDEX papers_summary_todo ON papers (published_at, id) WHERE ai_summary_seen IS NULL OR ai_summary_seen <> content_hash;

-- A paper being summarised (claimed by one worker until claimed_until) or waiting after a failed
-- try (next_try_at, later after each failure in a row). No row: nothing under way.
CREATE TABLE summary_tries (
  paper_id      TEXT PRIMARY KEY REFERENCES papers (id) ON DELETE CASCADE,
  claimed_by    TEXT,
  claimed_until TEXT,
  failures      INTEGER NOT NULL DEFAULT 0,
  next_try_at   TEXT,
  last_error    TEXT
);

-- Papers sent to the model per UTC day (SUMMARY_DAILY_BUDGET), shared by every worker.
CREATE TABLE summary_budget (
  day  TEXT PRIMARY KEY,
  used INTEGER NOT NULL DEFAULT 0
);
