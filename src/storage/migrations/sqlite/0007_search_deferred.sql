-- Deferred lexical indexing for bulk imports ("load, then build the index"). FTS5 takes about
-- 100 us per document and table, so indexing two FTS tables inside a snapshot import caps it far
-- below the papers' own write rate. While search_state.deferred is 1 (set by `paperboy import`),
-- a new paper gets no search doc and no FTS rows, and a changed paper that has them is queued in
-- search_pending, in the same transaction as the write; the index build
-- (src/search/index-build.ts) then indexes papers without a search doc and the queued ones in
-- batches, and switches deferral off when nothing is left. Otherwise writes index at once, as before.
CREATE TABLE search_state (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  deferred     INTEGER NOT NULL DEFAULT 0,
  -- the import run that deferred indexing, and when it last showed it was alive: the worker role
  -- builds the index of an import that stopped (was killed) without doing so itself
  deferred_by  TEXT,
  heartbeat_at TEXT,
  -- papers up to this rowid have their search doc: where the build goes on from (after a kill too)
  built_through INTEGER NOT NULL DEFAULT 0
);
INSERT INTO search_state (id, deferred) VALUES (1, 0);

-- Search docs whose FTS rows hold an older text of their paper.
CREATE TABLE search_pending (
  doc_id INTEGER PRIMARY KEY
);

DROP TRIGGER papers_search_ai;
DROP TRIGGER papers_search_au;
DROP TRIGGER papers_search_ad;

CREATE TRIGGER papers_search_ai AFTER INSERT ON papers
WHEN (SELECT deferred FROM search_state WHERE id = 1) = 0 BEGIN
  INSERT INTO search_docs (paper_id) VALUES (new.id);
  INSERT INTO papers_fts (rowid, title, abstract, authors)
    VALUES ((SELECT doc_id FROM search_docs WHERE paper_id = new.id), new.title, new.abstract, new.authors);
  INSERT INTO papers_fts_exact (rowid, title, abstract, authors)
    VALUES ((SELECT doc_id FROM search_docs WHERE paper_id = new.id), new.title, new.abstract, new.authors);
END;

CREATE TRIGGER papers_search_au AFTER UPDATE OF title, abstract, authors ON papers
WHEN (SELECT deferred FROM search_state WHERE id = 1) = 0 BEGIN
  DELETE FROM papers_fts WHERE rowid = (SELECT doc_id FROM search_docs WHERE paper_id = old.id);
  DELETE FROM papers_fts_exact WHERE rowid = (SELECT doc_id FROM search_docs WHERE paper_id = old.id);
  INSERT INTO papers_fts (rowid, title, abstract, authors)
    VALUES ((SELECT doc_id FROM search_docs WHERE paper_id = new.id), new.title, new.abstract, new.authors);
  INSERT INTO papers_fts_exact (rowid, title, abstract, authors)
    VALUES ((SELECT doc_id FROM search_docs WHERE paper_id = new.id), new.title, new.abstract, new.authors);
END;

-- A paper with no search doc yet (inserted while deferred) needs nothing: the build indexes its current text.
CREATE TRIGGER papers_search_au_deferred AFTER UPDATE OF title, abstract, authors ON papers
WHEN (SELECT deferred FROM search_state WHERE id = 1) = 1 BEGIN
  INSERT OR IGNORE INTO search_pending (doc_id) SELECT doc_id FROM search_docs WHERE paper_id = new.id;
END;

-- Deletes take effect at once in either mode.
CREATE TRIGGER papers_search_ad AFTER DELETE ON papers BEGIN
  DELETE FROM papers_fts WHERE rowid = (SELECT doc_id FROM search_docs WHERE paper_id = old.id);
  DELETE FROM papers_fts_exact WHERE rowid = (SELECT doc_id FROM search_docs WHERE paper_id = old.id);
  DELETE FROM search_pending WHERE doc_id = (SELECT doc_id FROM search_docs WHERE paper_id = old.id);
  DELETE FROM search_docs WHERE paper_id = old.id;
END;
