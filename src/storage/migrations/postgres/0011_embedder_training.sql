-- Retraining of the corpus embedding model (src/search/retrain.ts). One row per model kind: the
-- worker that trains claims it with a lease that it renews while training, so two workers never
-- train at once, and a worker that dies lets its lease run out for another one to start over.
-- The row also keeps what the last training did, for `paperboy config` and the logs.
CREATE TABLE embedder_training (
  name         TEXT PRIMARY KEY,
  claimed_by   TEXT,
  lease_until  TEXT,
  started_at   TEXT,
  finished_at  TEXT,
  -- papers in the database when the last finished training started, and the model it wrote
  papers       INTEGER,
  version      TEXT,
  last_error   TEXT
);
INSERT INTO embedder_training (name) VALUES ('corpus');

-- The corpus models trained here (the newest two), so that processes on other hosts, with their
-- own DATA_DIR, follow a retrain too: each copies the newest into its DATA_DIR/models/corpus.pbem.
CREATE TABLE embedder_models (
  version    TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  papers     INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  model      BYTEA NOT NULL
);
