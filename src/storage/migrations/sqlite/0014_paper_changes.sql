-- A change feed of the papers' searchable text, for the in-memory lexical index that every process
-- keeps (src/search/lexical/feed-index.ts): each insert, change of title, abstract or authors, and
-- delete of a paper gives it the next change sequence number, in the same transaction as the
-- write. One row per paper (its last change), so the feed from 0 is the whole corpus and a reader
-- that saw up to seq N reads `seq > N` for what changed since; a paper without a papers row was
-- deleted. SQLite has one writer at a time, so sequence numbers commit in order. The triggers
-- fire for every write path (import, harvest, store), whatever the search deferral mode.
CREATE TABLE paper_changes (
  seq      INTEGER PRIMARY KEY AUTOINCREMENT,
  paper_id TEXT NOT NULL UNIQUE
);

-- The paper's previous row goes, and a new one takes the next number (AUTOINCREMENT never hands
-- one out twice). Not INSERT OR REPLACE: the conflict clause of the statement that fires a trigger
-- (the store's upsert) overrides the trigger's own.
CREATE TRIGGER paper_changes_ai AFTER INSERT ON papers BEGIN
  DELETE FROM paper_changes WHERE paper_id = new.id;
  INSERT INTO paper_changes (paper_id) VALUES (new.id);
END;

CREATE TRIGGER paper_changes_au AFTER UPDATE OF title, abstract, authors ON papers
WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract OR old.authors IS NOT new.authors BEGIN
  DELETE FROM paper_changes WHERE paper_id = new.id;
  INSERT INTO paper_changes (paper_id) VALUES (new.id);
END;

CREATE TRIGGER paper_changes_ad AFTER DELETE ON papers BEGIN
  DELETE FROM paper_changes WHERE paper_id = old.id;
  INSERT INTO paper_changes (paper_id) VALUES (old.id);
END;

INSERT INTO paper_changes (paper_id) SELECT id FROM papers ORDER BY rowid;

-- This database's feed, told apart from any other's: a saved index (DATA_DIR) names the origin it
-- was read from, and one read from another database (DATA_DIR moved, the database re-created) is
-- rebuilt instead of caught up with sequence numbers that mean other changes here.
CREATE TABLE paper_changes_origin (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  origin TEXT NOT NULL
);
INSERT INTO paper_changes_origin (id, origin) VALUES (1, lower(hex(randomblob(16))));
