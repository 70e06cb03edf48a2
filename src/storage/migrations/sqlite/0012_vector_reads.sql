-- Search reads a model's vectors in (embedded_at, paper_id) order: all of them when it starts or
-- moves to a new model, then every 30 s the ones embedded since its last read (VectorCache). With
-- the index on (model, model_version) alone, each read took every vector of the model and sorted
-- them: 0.6 s at a million papers, with the event loop blocked, every 30 s. This index serves both
-- reads in order, and the counts by model that the old one served.
CREATE INDEX paper_vectors_model_time ON paper_vectors (model, model_version, embedded_at, paper_id);
DROP INDEX paper_vectors_model;
