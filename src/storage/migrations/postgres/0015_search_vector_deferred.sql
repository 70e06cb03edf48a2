-- Deferred search vectors for bulk imports ("load, then build the index"), as SQLite defers FTS5
-- (0007). Computing each paper's weighted tsvector and its GIN entries took about 220 of the 260 us
-- of CPU a paper cost in a PostgreSQL import, so search_vector becomes an ordinary column kept by a
-- trigger (the same expression as 0002's generated column, so rankings do not change) that leaves it
-- NULL while the writing transaction has set `SET LOCAL paperboy.defer_search = 'on'`; only
-- `paperboy import`'s bulk load does. An update then sets it NULL too, so a stale vector never
-- stays. The import fills the NULL vectors afterwards in batches (src/search/lexical/
-- postgres-index-build.ts); search_state records the deferral and the import's heartbeat, so the
-- worker fills what a killed import left. Every other write (harvest, single papers) computes the
-- vector at once.

-- DROP EXPRESSION keeps the stored values and rewrites nothing (PostgreSQL 13+).
ALTER TABLE papers ALTER COLUMN search_vector DROP EXPRESSION;

-- The one definition of a paper's search vector: the trigger and the deferred fill both use it.
CREATE FUNCTION paperboy_search_vector(title TEXT, abstract TEXT, authors TEXT) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
         setweight(to_tsvector('english', coalesce(abstract, '')), 'B') ||
         setweight(to_tsvector('simple', coalesce(authors, '')), 'C')
$$;

CREATE FUNCTION papers_search_vector_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('paperboy.defer_search', true) = 'on' THEN
    NEW.search_vector := NULL;
  ELSE
    NEW.search_vector := paperboy_search_vector(NEW.title, NEW.abstract, NEW.authors);
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER papers_search_vector BEFORE INSERT OR UPDATE OF title, abstract, authors ON papers
FOR EACH ROW EXECUTE FUNCTION papers_search_vector_trigger();

-- The papers still to fill: empty outside a deferred import, so finding them is an index lookup.
CREATE INDEX papers_search_vector_missing ON papers (id) WHERE search_vector IS NULL;

CREATE TABLE search_state (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  deferred     INTEGER NOT NULL DEFAULT 0,
  -- the import run that deferred the vectors, and when it last showed it was alive: the worker role
  -- fills the vectors of an import that stopped (was killed) without doing so itself
  deferred_by  TEXT,
  heartbeat_at TEXT
);
INSERT INTO search_state (id, deferred) VALUES (1, 0);
