// `npm run lint`, the first step of `npm test`: formatting and lint rules (Biome, biome.jsonc), the
// import rules of .dependency-cruiser.cjs, and one rule dependency-cruiser cannot state: no cycle
// between the folders of src/ (feed/ importing community/ while community/ imports feed/ makes the
// two one unit, however acyclic their files are).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, format, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const root = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
process.chdir(root);

/** The folder of src/ a module belongs to (`src/feed`), or null for files at the top and outside src/. */
function folderOf(file: string): string | null {
  const m = /^src\/([^/]+)\//.exec(file);
  return m ? `src/${m[1]}` : null;
}

/** Every cycle in the folder graph, each as a path that ends where it starts (shortest first from each folder). */
export function folderCycles(result: ICruiseResult): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const m of result.modules) {
    const from = folderOf(m.source);
    if (!from || /[.]test[.]ts$/.test(m.source)) continue;
    for (const d of m.dependencies) {
      const to = folderOf(d.resolved);
      if (to && to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  const cycles = new Map<string, string[]>();
  for (const start of edges.keys()) {
    // Breadth-first from start: the shortest way back to it, if any.
    const via = new Map<string, string>();
    const queue = [start];
    while (queue.length) {
      const at = queue.shift() as string;
      for (const next of edges.get(at) ?? []) {
        if (next === start) {
          const loop = [start];
          for (let x = at; x !== start; x = via.get(x) as string) loop.splice(1, 0, x);
          const key = [...loop].sort().join(' ');
          if (!cycles.has(key)) cycles.set(key, [...loop, start]);
          queue.length = 0;
          break;
        }
        if (!via.has(next)) {
          via.set(next, at);
          queue.push(next);
        }
      }
    }
  }
  return [...cycles.values()];
}

/** Which files make a folder depend on another (for the message). */
function culprits(result: ICruiseResult, from: string, to: string): string[] {
  const out: string[] = [];
  for (const m of result.modules) {
    if (folderOf(m.source) !== from || /[.]test[.]ts$/.test(m.source)) continue;
    for (const d of m.dependencies) if (folderOf(d.resolved) === to) out.push(`${m.source} -> ${d.resolved}`);
  }
  return out;
}

async function main(): Promise<void> {
  let failed = false;
  const biome = spawnSync(path.join(root, 'node_modules/.bin/biome'), ['ci', '--error-on-warnings', '.'], { stdio: 'inherit' });
  if (biome.status !== 0) {
    console.error('lint: Biome found formatting or lint problems; `npx biome check --write .` fixes what it safely can');
    failed = true;
  }
  const options = await extractDepcruiseOptions('./.dependency-cruiser.cjs');
  const tsConfig = extractTSConfig('tsconfig.json');
  const cruised = await cruise(['src'], options, {}, { tsConfig });
  const result = cruised.output as ICruiseResult;
  if (result.summary.error > 0) {
    console.error((await format(result, { outputType: 'err' })).output);
    failed = true;
  }
  for (const loop of folderCycles(result)) {
    console.error(`lint: the folders ${loop.join(' -> ')} import each other:`);
    for (let i = 0; i + 1 < loop.length; i++) for (const c of culprits(result, loop[i], loop[i + 1])) console.error(`  ${c}`);
    failed = true;
  }
  if (failed) process.exit(1);
  console.error(`lint: formatting, lint rules and import rules hold (${result.summary.totalCruised} modules)`);
}

await main();
