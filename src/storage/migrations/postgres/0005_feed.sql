-- Feed: a change counter for cached feed pages. Every write to submissions (a submission, a vote,
-- a comment count, hiding) bumps it, so a page rendered at version N is current while it reads N.
-- One statement-level trigger per statement; the row lock it takes is held to commit, after the
-- submission row's own, so writers queue briefly but cannot deadlock on it.
CREATE TABLE feed_state (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version BIGINT NOT NULL
);
INSERT INTO feed_state (id, version) VALUES (1, 0);

CREATE FUNCTION feed_state_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE feed_state SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END
$$;
CREATE TRIGGER submissions_feed_state AFTER INSERT OR UPDATE OR DELETE ON submissions
  FOR EACH STATEMENT EXECUTE FUNCTION feed_state_bump();
