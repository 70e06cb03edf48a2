-- Collections (issue #27): a member's named lists of papers, private unless made public, each paper
-- with the member's private note, a "read" mark, its place in the list and the arXiv version it had
-- when added (a newer one is pointed out). Every member has one default collection, "Saved"
-- (is_saved = 1): what the Save button fills; its papers are also the "save" signals of For you
-- (reader_signals), kept in step in the same transaction by src/recommend/.
CREATE TABLE collections (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  slug       TEXT NOT NULL,
  is_public  INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1)),
  is_saved   INTEGER NOT NULL DEFAULT 0 CHECK (is_saved IN (0, 1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (user_id, slug)
);
CREATE UNIQUE INDEX collections_saved ON collections (user_id) WHERE is_saved = 1;

CREATE TABLE collection_papers (
  collection_id BIGINT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  paper_id      TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
  position      INTEGER NOT NULL,
  note          TEXT,
  read_at       TEXT,
  version_added INTEGER NOT NULL,
  added_at      TEXT NOT NULL,
  PRIMARY KEY (collection_id, paper_id)
);
CREATE INDEX collection_papers_paper ON collection_papers (paper_id);

-- The papers members saved before collections existed become their "Saved" collection, newest
-- first (positions count up from the top; new papers go above).
INSERT INTO collections (user_id, name, slug, is_public, is_saved, created_at, updated_at)
SELECT user_id, 'Saved', 'saved', 0, 1, min(created_at), max(created_at) FROM reader_signals WHERE kind = 'save' GROUP BY user_id;
INSERT INTO collection_papers (collection_id, paper_id, position, note, read_at, version_added, added_at)
SELECT c.id, s.paper_id, -row_number() OVER (PARTITION BY s.user_id ORDER BY s.created_at, s.paper_id), NULL, NULL, p.version, s.created_at
FROM reader_signals s
JOIN collections c ON c.user_id = s.user_id AND c.is_saved = 1
JOIN papers p ON p.id = s.paper_id
WHERE s.kind = 'save';
