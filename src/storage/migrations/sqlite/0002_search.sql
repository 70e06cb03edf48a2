-- Search: an FTS5 index over papers kept in step by triggers (same transaction as the write), and
-- stored embedding vectors. search_docs gives each paper a stable integer id for the FTS rowid:
-- papers has a TEXT key, and its implicit rowid may change on VACUUM.
CREATE TABLE search_docs (
  doc_id   INTEGER PRIMARY KEY AUTOINCREMENT,
  paper_id TEXT NOT NULL UNIQUE REFERENCES papers (id) ON DELETE CASCADE
);

CREATE VIRTUAL TABLE papers_fts USING fts5(
  title, abstract, authors,
  tokenize = 'porter unicode61 remove_diacritics 2'
);
-- The same text without stemming: FTS5's Porter stemmer folds "generalization" and "generation"
-- into "gener"; scoring exact words too puts the paper about the word typed first.
CREATE VIRTUAL TABLE papers_fts_exact USING fts5(
  title, abstract, authors,
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER papers_search_ai AFTER INSERT ON papers BEGIN
  INSERT INTO search_docs (paper_id) VALUES (new.id);
  INSERT INTO papers_fts (rowid, title, abstract, authors)
    VALUES ((SELECT doc_id FROM search_docs WHERE paper_id = new.id), new.title, new.abstract, new.authors);
  INSERT INTO papers_fts_exact (rowid, title, abstract, authors)
    VALUES ((SELECT doc_id FROM search_docs WHERE paper_id = new.id), new.title, new.abstract, new.authors);
END;

CREATE TRIGGER papers_search_au AFTER UPDATE OF title, abstract, authors ON papers BEGIN
  DELETE FROM papers_fts WHERE rowid = (SELECT doc_id FROM search_docs WHERE paper_id = old.id);
  DELETE FROM papers_fts_exact WHERE rowid = (SELECT doc_id FROM search_docs WHERE paper_id = old.id);
  INSERT INTO papers_fts (rowid, title, abstract, authors)
    VALUES ((SELECT doc_id FROM search_docs WHERE paper_id = new.id), new.title, new.abstract, new.authors);
  INSERT INTO papers_fts_exact (rowid, title, abstract, authors)
    VALUES ((SELECT doc_id FROM search_docs WHERE paper_id = new.id), new.title, new.abstract, new.authors);
END;

CREATE TRIGGER papers_search_ad AFTER DELETE ON papers BEGIN
  DELETE FROM papers_fts WHERE rowid = (SELECT doc_id FROM search_docs WHERE paper_id = old.id);
  DELETE FROM papers_fts_exact WHERE rowid = (SELECT doc_id FROM search_docs WHERE paper_id = old.id);
  DELETE FROM search_docs WHERE paper_id = old.id;
END;

INSERT INTO search_docs (paper_id) SELECT id FROM papers ORDER BY published_at, id;
INSERT INTO papers_fts (rowid, title, abstract, authors)
  SELECT d.doc_id, p.title, p.abstract, p.authors FROM papers p JOIN search_docs d ON d.paper_id = p.id;
INSERT INTO papers_fts_exact (rowid, title, abstract, authors)
  SELECT d.doc_id, p.title, p.abstract, p.authors FROM papers p JOIN search_docs d ON d.paper_id = p.id;

-- One vector per paper for the current model; a model change re-embeds (rows with another
-- model or version are treated as missing).
CREATE TABLE paper_vectors (
  paper_id      TEXT PRIMARY KEY REFERENCES papers (id) ON DELETE CASCADE,
  model         TEXT NOT NULL,
  model_version TEXT NOT NULL,
  dim           INTEGER NOT NULL,
  vector        BLOB NOT NULL,
  embedded_at   TEXT NOT NULL
);
CREATE INDEX paper_vectors_model ON paper_vectors (model, model_version);
