// `npm run bench -- <name> [args]`: each benchmark prints JSON lines on stdout.
import { benchImport } from './import.js';
import { benchDigest } from './digest.js';

const BENCHES: Record<string, (args: string[]) => Promise<void>> = {
  import: benchImport,
  digest: benchDigest,
};

const [name, ...args] = process.argv.slice(2);
const names = name ? [name] : Object.keys(BENCHES);
for (const n of names) {
  const bench = BENCHES[n];
  if (!bench) {
    console.error(`bench: unknown benchmark "${n}"; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  await bench(args);
}
