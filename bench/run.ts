// `npm run bench -- <name> [args]`: runs one benchmark; each prints JSON lines on stdout.
// A name is required: some benchmarks (search at 1M papers) run for a long time.
import { benchImport } from './import.js';
import { web } from './web.js';
import { searchQuality } from './search-quality.js';
import { benchSearch } from './search.js';
import { benchSearchPostgres } from './search-postgres.js';
import { benchLexicalLatency } from './lexical-latency.js';
import { benchDigest } from './digest.js';
import { benchSigninTiming } from './signin-timing.js';
import { benchSoak } from './soak.js';
import { benchScale } from './scale.js';
import { benchRecommend } from './recommend.js';
import { benchRecommendLab } from './recommend-lab.js';
import { benchAuthors } from './authors.js';
import { benchLibrary } from './library.js';

const BENCHES: Record<string, (args: string[]) => Promise<void>> = {
  import: benchImport,
  web,
  'search-quality': searchQuality,
  // --database=postgres: lexical search through the app's index on a throw-away cluster (search-postgres.ts)
  search: (args) => (args.includes('--database=postgres') ? benchSearchPostgres(args) : benchSearch(args)),
  'lexical-latency': benchLexicalLatency,
  digest: benchDigest,
  'signin-timing': benchSigninTiming,
  soak: benchSoak,
  scale: benchScale,
  recommend: benchRecommend,
  // the ranker's candidate features, each cross-validated against the product's set (recommend-lab.ts)
  'recommend-lab': benchRecommendLab,
  authors: benchAuthors,
  // a 10,000-paper collection exported as BibTeX, RIS and CSL-JSON over HTTP
  library: benchLibrary,
};

const [name, ...args] = process.argv.slice(2);
const bench = name ? BENCHES[name] : undefined;
if (!bench) {
  console.error(`bench: unknown benchmark ${name ?? '(none)'}; one of: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
await bench(args);
