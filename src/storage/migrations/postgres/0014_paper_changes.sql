-- A change feed of the papers' searchable text, for the in-memory lexical index that every process
-- keeps (src/search/lexical/feed-index.ts): each insert, change of title, abstract or authors, and
-- delete of a paper gives it the next value of paper_change_seq, in the same transaction as the
-- write. One row per paper (its last change), so the feed from 0 is the whole corpus and a reader
-- that saw up to seq N reads `seq > N` for what changed since; a paper without a papers row was
-- deleted. Sequence values are taken before commit, so a transaction can commit a lower number
-- after a higher one is read: the reader keeps re-reading behind what it saw until every
-- transaction that was running then has finished (its snapshot's xmin; see change-feed.ts).
CREATE SEQUENCE paper_change_seq;

CREATE TABLE paper_changes (
  seq      BIGINT PRIMARY KEY,
  paper_id TEXT NOT NULL UNIQUE
);

CREATE FUNCTION paper_changes_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO paper_changes (seq, paper_id)
    VALUES (nextval('paper_change_seq'), CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)
    ON CONFLICT (paper_id) DO UPDATE SET seq = EXCLUDED.seq;
  RETURN NULL;
END
$$;

CREATE TRIGGER paper_changes_aid AFTER INSERT OR DELETE ON papers
  FOR EACH ROW EXECUTE FUNCTION paper_changes_note();
CREATE TRIGGER paper_changes_au AFTER UPDATE OF title, abstract, authors ON papers
  FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.abstract IS DISTINCT FROM NEW.abstract OR OLD.authors IS DISTINCT FROM NEW.authors)
  EXECUTE FUNCTION paper_changes_note();

INSERT INTO paper_changes (seq, paper_id) SELECT nextval('paper_change_seq'), id FROM (SELECT id FROM papers ORDER BY published_at, id) p;

-- This database's feed, told apart from any other's: a saved index (DATA_DIR) names the origin it
-- was read from, and one read from another database (DATA_DIR moved, the database re-created) is
-- rebuilt instead of caught up with sequence numbers that mean other changes here.
CREATE TABLE paper_changes_origin (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  origin TEXT NOT NULL
);
INSERT INTO paper_changes_origin (id, origin) VALUES (1, replace(gen_random_uuid()::text, '-', ''));
