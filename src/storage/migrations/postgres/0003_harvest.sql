-- Harvest windows: one row per (source, set, day). The scheduler inserts them, workers claim
-- them, and the cursor is saved after each committed page so a killed harvest resumes.
CREATE TABLE harvest_windows (
  key          TEXT PRIMARY KEY,
  source       TEXT NOT NULL,
  set_spec     TEXT NOT NULL,
  day          TEXT NOT NULL,
  status       TEXT NOT NULL,
  cursor       TEXT,
  run_after    TEXT NOT NULL,
  claimed_by   TEXT,
  lease_until  TEXT,
  attempts     INTEGER NOT NULL DEFAULT 0,
  runs         INTEGER NOT NULL DEFAULT 0,
  requests     INTEGER NOT NULL DEFAULT 0,
  errors       INTEGER NOT NULL DEFAULT 0,
  inserted     INTEGER NOT NULL DEFAULT 0,
  updated      INTEGER NOT NULL DEFAULT 0,
  unchanged    INTEGER NOT NULL DEFAULT 0,
  rejected     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  finished_at  TEXT
);
CREATE INDEX harvest_windows_due ON harvest_windows (status, run_after);
CREATE INDEX harvest_windows_day ON harvest_windows (day);
