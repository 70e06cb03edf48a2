/** `npm run bench -- <name>`: runs one benchmark; each prints JSON lines on stdout. */
import { searchQuality } from './search-quality.js';

const benches: Record<string, (args: string[]) => Promise<void>> = {
  'search-quality': searchQuality,
};

const [name, ...args] = process.argv.slice(2);
const bench = name ? benches[name] : undefined;
if (!bench) {
  console.error(`bench: unknown benchmark ${name ?? '(none)'}; one of: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
await bench(args);
