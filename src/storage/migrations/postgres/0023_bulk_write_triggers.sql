-- Per-row work a bulk import paid for each paper, done once per statement instead (`npm run bench
-- -- import --database=postgres`, 200k papers: PostgreSQL's CPU went from 50 to 43 us a paper).

-- 1. The category rows' foreign key: one locking lookup of the paper per row (2.1 rows a paper),
-- about 8 us a paper. Those rows have one writer (src/papers/store-postgres.ts), which inserts them
-- only for papers its own upsert wrote in the same transaction, under that row's lock; what the key
-- also gave, deleting a paper's categories with it, is now a statement trigger. SQLite keeps its
-- key (there the check is an index probe in-process).
ALTER TABLE paper_categories DROP CONSTRAINT paper_categories_paper_id_fkey;

CREATE FUNCTION paper_categories_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM paper_categories c USING gone g WHERE c.paper_id = g.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER papers_categories_cascade AFTER DELETE ON papers
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION paper_categories_cascade();

-- 2. The change feed's note of an inserted or deleted paper (0014): a row trigger ran one INSERT
-- per paper (7-10 ms a batch of 5,000 in EXPLAIN ANALYZE); one INSERT over the statement's rows takes
-- 2-4. Same rows, same rule: each paper's last change gets the next sequence value, in the writing
-- transaction. A changed title, abstract or authors still goes through 0014's row trigger: its WHEN
-- clause skips the function for the updates that change none of them, and a statement trigger with
-- transition tables cannot name columns, so it would copy every updated row (the search vectors' fill).
DROP TRIGGER paper_changes_aid ON papers;

CREATE FUNCTION paper_changes_note_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO paper_changes (seq, paper_id)
    SELECT nextval('paper_change_seq'), id FROM changed
    ON CONFLICT (paper_id) DO UPDATE SET seq = EXCLUDED.seq;
  RETURN NULL;
END
$$;

CREATE TRIGGER paper_changes_ai AFTER INSERT ON papers
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION paper_changes_note_rows();
CREATE TRIGGER paper_changes_ad AFTER DELETE ON papers
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION paper_changes_note_rows();
