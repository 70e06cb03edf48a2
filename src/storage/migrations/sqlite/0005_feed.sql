-- Feed: a change counter for cached feed pages. Every write to submissions (a submission, a vote,
-- a comment count, hiding) bumps it, so a page rendered at version N is current while it reads N.
CREATE TABLE feed_state (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO feed_state (id, version) VALUES (1, 0);

CREATE TRIGGER submissions_feed_insert AFTER INSERT ON submissions BEGIN
  UPDATE feed_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER submissions_feed_update AFTER UPDATE ON submissions BEGIN
  UPDATE feed_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER submissions_feed_delete AFTER DELETE ON submissions BEGIN
  UPDATE feed_state SET version = version + 1 WHERE id = 1;
END;
