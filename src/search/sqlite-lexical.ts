import type Database from 'better-sqlite3';
import {
  EXACT_WORD_WEIGHT,
  combineStemmedAndExact,
  type LexicalHit,
  type LexicalIndex,
  type LexicalSearchOptions,
  parseQuery,
  queryArxivId,
  titleKey,
  toFts5Query,
} from './lexical.js';

/** bm25 column weights: a title word says more about a paper than an abstract word, an author name less. */
export interface ColumnWeights {
  title: number;
  abstract: number;
  authors: number;
}

export const DEFAULT_COLUMN_WEIGHTS: ColumnWeights = { title: 2.5, abstract: 1, authors: 0.5 };

/** Score given to an exact id/title match so it sorts above any bm25 score. */
const EXACT_MATCH_SCORE = 1e6;

/**
 * FTS5 lexical index. Expects `papers(rowid, arxiv_id, title, abstract, authors)` and an
 * external-content FTS5 table `papers_fts(title, abstract, authors)` over it (see the 0002 migration).
 */
export class SqliteLexicalIndex implements LexicalIndex {
  private readonly byRank: Database.Statement;
  private readonly byRankExact: Database.Statement;
  private readonly byTitle: Database.Statement;
  private readonly byId: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly weights: ColumnWeights = DEFAULT_COLUMN_WEIGHTS,
    private readonly exactWeight = EXACT_WORD_WEIGHT,
  ) {
    this.byRank = db.prepare(
      `SELECT p.arxiv_id AS id, bm25(papers_fts, ?, ?, ?) AS rank
         FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid
        WHERE papers_fts MATCH ? ORDER BY rank LIMIT ?`,
    );
    this.byRankExact = db.prepare(
      `SELECT p.arxiv_id AS id, bm25(papers_fts_exact, ?, ?, ?) AS rank
         FROM papers_fts_exact JOIN papers p ON p.rowid = papers_fts_exact.rowid
        WHERE papers_fts_exact MATCH ? ORDER BY rank LIMIT ?`,
    );
    this.byTitle = db.prepare(
      `SELECT p.arxiv_id AS id, p.title AS title
         FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid
        WHERE papers_fts MATCH ? LIMIT 50`,
    );
    this.byId = db.prepare(`SELECT arxiv_id AS id FROM papers WHERE arxiv_id = ?`);
  }

  searchSync(query: string, options: LexicalSearchOptions): LexicalHit[] {
    const parsed = parseQuery(query);
    const match = toFts5Query(parsed);
    const hits: LexicalHit[] = [];
    const exact = new Set<string>();
    const id = queryArxivId(query);
    if (id) {
      const row = this.byId.get(id) as { id: string } | undefined;
      if (row) exact.add(row.id);
    }
    const allWords = [...parsed.phrases.flat(), ...parsed.terms];
    if (!id && allWords.length > 0 && query.length <= 400) {
      const key = titleKey(query);
      const rows = this.byTitle.all(`title : "${key}"`) as {
        id: string;
        title: string;
      }[];
      for (const r of rows) if (titleKey(r.title) === key) exact.add(r.id);
    }
    for (const e of exact) hits.push({ id: e, score: EXACT_MATCH_SCORE });
    if (match === null) return hits.slice(0, options.limit);
    const w = [this.weights.title, this.weights.abstract, this.weights.authors];
    const n = options.limit + exact.size;
    const toHits = (rows: unknown[]) => (rows as { id: string; rank: number }[]).map((r) => ({ id: r.id, score: -r.rank }));
    const combined = combineStemmedAndExact(
      toHits(this.byRank.all(...w, match, n)),
      this.exactWeight > 0 ? toHits(this.byRankExact.all(...w, match, n)) : [],
      this.exactWeight,
    );
    for (const h of combined) if (!exact.has(h.id)) hits.push(h);
    return hits.slice(0, options.limit);
  }

  async search(query: string, options: LexicalSearchOptions): Promise<LexicalHit[]> {
    return this.searchSync(query, options);
  }
}

/** Creates the papers table and its FTS5 index in a bare database (benchmarks and unit tests). */
export function createStandaloneSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS papers (
      rowid INTEGER PRIMARY KEY, arxiv_id TEXT NOT NULL UNIQUE,
      title TEXT NOT NULL, abstract TEXT NOT NULL, authors TEXT NOT NULL DEFAULT '');
    CREATE VIRTUAL TABLE IF NOT EXISTS papers_fts USING fts5(
      title, abstract, authors, content='papers', content_rowid='rowid',
      tokenize='porter unicode61 remove_diacritics 2');
    CREATE VIRTUAL TABLE IF NOT EXISTS papers_fts_exact USING fts5(
      title, abstract, authors, content='papers', content_rowid='rowid',
      tokenize='unicode61 remove_diacritics 2');
    CREATE TRIGGER IF NOT EXISTS papers_fts_ai AFTER INSERT ON papers BEGIN
      INSERT INTO papers_fts(rowid, title, abstract, authors) VALUES (new.rowid, new.title, new.abstract, new.authors);
      INSERT INTO papers_fts_exact(rowid, title, abstract, authors) VALUES (new.rowid, new.title, new.abstract, new.authors);
    END;
    CREATE TRIGGER IF NOT EXISTS papers_fts_ad AFTER DELETE ON papers BEGIN
      INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors) VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
      INSERT INTO papers_fts_exact(papers_fts_exact, rowid, title, abstract, authors) VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
    END;
    CREATE TRIGGER IF NOT EXISTS papers_fts_au AFTER UPDATE ON papers BEGIN
      INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors) VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
      INSERT INTO papers_fts_exact(papers_fts_exact, rowid, title, abstract, authors) VALUES ('delete', old.rowid, old.title, old.abstract, old.authors);
      INSERT INTO papers_fts(rowid, title, abstract, authors) VALUES (new.rowid, new.title, new.abstract, new.authors);
      INSERT INTO papers_fts_exact(rowid, title, abstract, authors) VALUES (new.rowid, new.title, new.abstract, new.authors);
    END;`);
}
