-- A paper updated twice while indexing is deferred (an id that repeats with changed content in one
-- import file, in different batches) queued its search doc twice. 0007's trigger meant to skip the
-- second with INSERT OR IGNORE, but SQLite applies the conflict policy of the statement that fired
-- the trigger instead, and the import's upsert (ON CONFLICT DO UPDATE) has ABORT: the import
-- stopped with `UNIQUE constraint failed: search_pending.doc_id`. The trigger now queues a doc only
-- when it is not queued yet, which no outer policy can change.
DROP TRIGGER papers_search_au_deferred;

CREATE TRIGGER papers_search_au_deferred AFTER UPDATE OF title, abstract, authors ON papers
WHEN (SELECT deferred FROM search_state WHERE id = 1) = 1 BEGIN
  INSERT INTO search_pending (doc_id)
    SELECT d.doc_id FROM search_docs d
    WHERE d.paper_id = new.id AND NOT EXISTS (SELECT 1 FROM search_pending q WHERE q.doc_id = d.doc_id);
END;
