-- SQLite's 0010 rebuilds paper_categories as a WITHOUT ROWID table (one B-tree fewer per row).
-- PostgreSQL keeps rows in a heap beside their indexes and has no such table kind; this file keeps
-- the two dialects' migration numbers alike and changes nothing.
SELECT 1;
