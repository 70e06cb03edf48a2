-- Email digests: subscribers (double opt-in), their topics, one row per (subscriber, period)
-- digest that records it before it is sent, and the papers each subscriber has been sent.
CREATE TABLE digest_subscribers (
  id                   TEXT PRIMARY KEY,
  email                TEXT NOT NULL UNIQUE,
  status               TEXT NOT NULL,
  frequency            TEXT NOT NULL DEFAULT 'daily',
  weekday              INTEGER NOT NULL DEFAULT 1,
  trending_count       INTEGER NOT NULL DEFAULT 10,
  confirm_token_hash   TEXT,
  confirm_expires_at   TEXT,
  confirm_sent_at      TEXT,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  created_at           TEXT NOT NULL,
  confirmed_at         TEXT,
  updated_at           TEXT NOT NULL
);
CREATE INDEX digest_subscribers_due ON digest_subscribers (status, frequency, weekday, id);
CREATE UNIQUE INDEX digest_subscribers_confirm ON digest_subscribers (confirm_token_hash);

CREATE TABLE digest_topics (
  id            TEXT PRIMARY KEY,
  subscriber_id TEXT NOT NULL REFERENCES digest_subscribers (id) ON DELETE CASCADE,
  query         TEXT NOT NULL,
  categories    TEXT NOT NULL,
  created_at    TEXT NOT NULL
);
CREATE INDEX digest_topics_subscriber ON digest_topics (subscriber_id);

CREATE TABLE digest_sends (
  subscriber_id TEXT NOT NULL REFERENCES digest_subscribers (id) ON DELETE CASCADE,
  period        TEXT NOT NULL,
  status        TEXT NOT NULL,
  owner         TEXT,
  lease_until   TEXT,
  attempts      INTEGER NOT NULL DEFAULT 0,
  paper_ids     TEXT NOT NULL DEFAULT '[]',
  message_id    TEXT,
  error         TEXT,
  created_at    TEXT NOT NULL,
  sent_at       TEXT,
  PRIMARY KEY (subscriber_id, period)
);
CREATE INDEX digest_sends_period ON digest_sends (period, status);

CREATE TABLE digest_sent_papers (
  subscriber_id TEXT NOT NULL REFERENCES digest_subscribers (id) ON DELETE CASCADE,
  paper_id      TEXT NOT NULL,
  period        TEXT NOT NULL,
  PRIMARY KEY (subscriber_id, paper_id)
);
