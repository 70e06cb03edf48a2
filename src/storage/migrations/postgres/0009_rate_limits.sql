-- Rate limits shared by every process on this database (sign-in, submit, subscribe): a fixed
-- window per key. The key is a SHA-256 of limiter name and client address, email or user id, so
-- no address is kept in clear.
CREATE TABLE rate_limits (
  key          TEXT PRIMARY KEY,
  window_start BIGINT NOT NULL,
  hits         INTEGER NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);

-- Politeness towards arXiv across processes: the earliest start of the next request per host.
-- Every process reserves its start here, so two workers together still make one request per
-- ARXIV_REQUEST_INTERVAL_MS.
CREATE TABLE http_slots (
  host    TEXT PRIMARY KEY,
  next_at BIGINT NOT NULL
);
