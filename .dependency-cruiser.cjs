// Import rules of src/ (STYLE.md: folders by domain, delivery at the edge), checked by `npm run lint`.
// A domain may use storage/, util/ and other domains without cycles; only the edges (web/, cli, main)
// may import the domains' wiring.
const DOMAINS = '^src/(papers|ingest|feed|community|search|digest|storage|jobs|util)/';
const TEST = '([.]test[.]ts$|^src/testing/)';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'An import cycle ties its files into one unit that can only be read, tested and changed together.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domains-never-import-the-edges',
      comment: 'Domain code must not depend on how it is delivered: web/, the CLI and the composition root import domains, never the other way.',
      severity: 'error',
      from: { path: DOMAINS, pathNot: TEST },
      to: { path: '^src/(web|cli)/|^src/(cli|main)[.]ts$' },
    },
    {
      name: 'storage-below-the-domains',
      comment: 'storage/ is the database layer every domain stands on; it knows no domain.',
      severity: 'error',
      from: { path: '^src/storage/', pathNot: TEST },
      to: { path: '^src/(papers|ingest|feed|community|search|digest|jobs|web)/|^src/(cli|main)[.]ts$' },
    },
    {
      name: 'raw-sqlite-handle-only-in-dialect-files',
      comment: 'No dialect code in domain code: the raw better-sqlite3 handle is used in storage/ and in files whose name says sqlite (or fts5, its full-text engine).',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/storage/|(sqlite|fts5)[^/]*[.]ts$|${TEST}` },
      to: { path: 'node_modules/better-sqlite3/' },
    },
    {
      name: 'tests-stay-out-of-the-product',
      comment: 'Test helpers and fixtures are for tests, benchmarks and scripts only.',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST },
      to: { path: TEST },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
    exclude: { path: '^dist/' },
  },
};
