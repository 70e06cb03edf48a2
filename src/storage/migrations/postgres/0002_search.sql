-- Search: a weighted tsvector over papers as a generated column (always in step with the row, in
-- the same transaction) with a GIN index, and stored embedding vectors.
ALTER TABLE papers ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
  setweight(to_tsvector('english', coalesce(abstract, '')), 'B') ||
  setweight(to_tsvector('simple', coalesce(authors, '')), 'C')
) STORED;
CREATE INDEX papers_search_vector ON papers USING GIN (search_vector);

-- One vector per paper for the current model; a model change re-embeds (rows with another
-- model or version are treated as missing).
CREATE TABLE paper_vectors (
  paper_id      TEXT PRIMARY KEY REFERENCES papers (id) ON DELETE CASCADE,
  model         TEXT NOT NULL,
  model_version TEXT NOT NULL,
  dim           INTEGER NOT NULL,
  vector        BYTEA NOT NULL,
  embedded_at   TEXT NOT NULL
);
CREATE INDEX paper_vectors_model ON paper_vectors (model, model_version);
