import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { SourceRecord } from '../../bench/synthetic.js';
import { parseAtomFeed } from '../papers/formats/atom.js';
import { snapshotToRecord } from '../papers/snapshot.js';
import { REPO_ROOT } from './paths.js';

// The small real data files the unit tests read, kept in the repository (src/testing/fixtures/,
// sources and licences in its README.md) so that a checkout alone runs them. Large ones are stored
// gzipped; tests ask for the plain name and get the text, or a plain copy in a temp folder.

export const FIXTURES = path.join(REPO_ROOT, 'src', 'testing', 'fixtures');

/** The text of a fixture, by its plain name (`arxiv-api/atom/x.xml` also finds `x.xml.gz`). */
export function readFixture(name: string): string {
  const file = path.join(FIXTURES, name);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  if (fs.existsSync(`${file}.gz`)) return zlib.gunzipSync(fs.readFileSync(`${file}.gz`)).toString('utf8');
  throw new Error(`fixtures: no ${name} (nor ${name}.gz) in ${FIXTURES}`);
}

let tmp: string | null = null;

/** A plain file with the fixture's content, for code that reads files by path (a stored .gz is unpacked once per process). */
export function fixtureFile(name: string): string {
  const file = path.join(FIXTURES, name);
  if (fs.existsSync(file)) return file;
  if (!tmp) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-fixtures-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    tmp = dir;
  }
  const out = path.join(tmp, name);
  if (!fs.existsSync(out)) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, readFixture(name));
  }
  return out;
}

/** Plain files for every fixture in a folder, in name order. */
export function fixtureFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(FIXTURES, dir))
    .map((f) => f.replace(/\.gz$/, ''))
    .sort()
    .map((f) => fixtureFile(path.join(dir, f)));
}

/**
 * The 708 real papers of the fixtures (the Atom pages and the Kaggle head), in the shape that
 * bench/synthetic.ts's writeSyntheticSnapshot re-numbers into a snapshot of any size: tests pass
 * them instead of loading the benchmarks' 50,000 records from ../shared/data.
 */
export function fixtureSourceRecords(): SourceRecord[] {
  const papers = fixtureFiles('arxiv-api/atom').flatMap((f) => parseAtomFeed(fs.readFileSync(f, 'utf8')).records);
  for (const line of readFixture('arxiv-metadata/kaggle-oai-snapshot-head200.jsonl').split('\n')) {
    if (line.trim()) papers.push(snapshotToRecord(JSON.parse(line)));
  }
  return papers
    .map((p) => ({ title: p.title, abstract: p.abstract, authors: p.authors, categories: p.categories, published: p.publishedAt, comments: p.comments }))
    .filter((r) => r.categories.length);
}
