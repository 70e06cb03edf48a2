-- Community: accounts, sessions, submissions (the daily feed), upvotes, comments, author claims,
-- API tokens. Ids are integers; times are ISO-8601 UTC text; feed_day is YYYY-MM-DD in FEED_TIMEZONE.
CREATE TABLE users (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email        TEXT NOT NULL UNIQUE,          -- lower-cased
  username     TEXT NOT NULL UNIQUE,
  display_name TEXT,
  role         TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'curator', 'admin', 'system')),
  created_at   TEXT NOT NULL
);

-- Single-use sign-in links: only the SHA-256 of the token is kept.
CREATE TABLE login_tokens (
  token_hash TEXT PRIMARY KEY,
  email      TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at    TEXT
);
CREATE INDEX login_tokens_email ON login_tokens (email, created_at);

-- Browser sessions: the cookie holds a random token, the table its SHA-256.
CREATE TABLE sessions (
  token_hash   TEXT PRIMARY KEY,
  user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Personal API tokens (Authorization: Bearer), stored hashed.
CREATE TABLE api_tokens (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  created_at   TEXT NOT NULL,
  last_used_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- A paper is featured in the daily feed once, on the feed day it was submitted.
CREATE TABLE submissions (
  paper_id       TEXT PRIMARY KEY REFERENCES papers (id) ON DELETE CASCADE,
  feed_day       TEXT NOT NULL,
  submitted_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
  submitted_at   TEXT NOT NULL,
  comment        TEXT,
  github_repo    TEXT,
  project_page   TEXT,
  upvotes        INTEGER NOT NULL DEFAULT 0,
  comments_count INTEGER NOT NULL DEFAULT 0,
  hotness        DOUBLE PRECISION NOT NULL DEFAULT 0,
  hidden         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX submissions_day ON submissions (feed_day, upvotes DESC, submitted_at);
CREATE INDEX submissions_hotness ON submissions (hotness DESC);
CREATE INDEX submissions_submitter ON submissions (submitted_by, submitted_at);

CREATE TABLE upvotes (
  paper_id   TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
  user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  PRIMARY KEY (paper_id, user_id)
);
CREATE INDEX upvotes_user ON upvotes (user_id, created_at);

CREATE TABLE comments (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  paper_id   TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
  user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  parent_id  BIGINT REFERENCES comments (id) ON DELETE CASCADE,
  body       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted    INTEGER NOT NULL DEFAULT 0,
  hidden     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX comments_paper ON comments (paper_id, created_at);

-- A signed-in user claims to be the author at position author_index; a curator decides.
CREATE TABLE author_claims (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  paper_id    TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
  author_index INTEGER NOT NULL,
  author_name TEXT NOT NULL,
  user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  created_at  TEXT NOT NULL,
  decided_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
  decided_at  TEXT,
  UNIQUE (paper_id, author_index, user_id)
);
CREATE INDEX author_claims_user ON author_claims (user_id, status);
CREATE INDEX author_claims_status ON author_claims (status, created_at);
