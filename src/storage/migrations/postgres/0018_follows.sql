-- Issue #27: authors and following.
--
-- author_keys: each paper's author names as normalised keys (src/follow/author-name.ts), so that
-- /authors/:name and the following page look an author up by index instead of scanning every
-- paper's JSON list of authors. Normalising (accents, initials) is done in TypeScript, the same
-- code for both dialects, so this table is filled from the papers' change feed (migration 0014)
-- by the author index (src/follow/author-index.ts): every write path (import, harvest, store)
-- already notes its papers there, and the papers that exist now are read from position 0 on the
-- first catch-up (the backfill). Its position in the feed is kept in author_index_state.
CREATE TABLE author_keys (
  key      TEXT NOT NULL,
  paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
  PRIMARY KEY (key, paper_id)
);
CREATE INDEX author_keys_paper ON author_keys (paper_id);

CREATE TABLE author_index_state (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  -- the change feed position (JSON, src/search/lexical/change-feed.ts FeedPosition)
  position TEXT NOT NULL
);
INSERT INTO author_index_state (id, position) VALUES (1, '{"through":0,"seen":[],"marks":[]}');

-- What a member follows: an author name (its key), a member (their user id), a category, or a
-- saved search (the query). Private to the member. `label` is what the member typed or saw.
CREATE TABLE follows (
  user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('author', 'member', 'category', 'search')),
  value      TEXT NOT NULL,
  label      TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (user_id, kind, value)
);
