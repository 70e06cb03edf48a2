-- Thumbnails (issue #28, THUMBNAILS=on): page 1 of a paper's PDF rendered small into
-- DATA_DIR/thumbnails/. One row per paper asked for (shown on a feed page or its paper page opened),
-- so every process knows which are drawn, waiting, or failed; a failed one is not asked for again.
-- The image itself is kept here too (a few tens of kB): processes with DATA_DIRs of their own, or on
-- other hosts, serve it by copying it into theirs on first use.
CREATE TABLE paper_thumbnails (
  paper_id TEXT PRIMARY KEY,
  -- 'pending' (asked for), 'drawing' (a worker took it), 'ok' (the file is there), 'failed' (see error)
  status   TEXT NOT NULL,
  width    INTEGER,
  height   INTEGER,
  -- the PNG, once drawn
  image    BYTEA,
  error    TEXT,
  -- tries that failed for a reason that may pass (no answer, 5xx): a few, an hour apart
  attempts INTEGER NOT NULL DEFAULT 0,
  -- when a worker may take it: asked for, now; taken, when the claim runs out; after a passing failure, later
  due_at   TEXT NOT NULL,
  done_at  TEXT
);
CREATE INDEX paper_thumbnails_due ON paper_thumbnails (status, due_at);
