import fs from 'node:fs';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { importFiles, formatSummary } from './import.js';
import type { PaperStore } from './store.js';

/** Real arXiv papers shipped with the repo (see demo/README.md): 64 announcement days of cs.CL and friends. */
export const DEMO_PAPERS = fileURLToPath(new URL('../../../demo/papers.jsonl.gz', import.meta.url));

/**
 * Load the demo papers into an empty store, or finish a demo load that was cut short (a kill during
 * the first `npm start`: the import commits batch by batch, so the papers are a part of the demo's);
 * does nothing when other papers are there: real data is never topped up with demo papers.
 */
export async function loadDemoIfEmpty(store: PaperStore, log: (line: string) => void): Promise<boolean> {
  const stored = await store.count();
  if (stored > 0 && !(await demoCutShort(store, stored))) return false;
  if (!fs.existsSync(DEMO_PAPERS)) throw new Error(`demo: ${DEMO_PAPERS} is missing`);
  log(stored ? `demo: the demo load was cut short (${stored} papers stored), finishing it` : 'demo: empty database, loading the bundled demo papers');
  const s = await importFiles(store, [DEMO_PAPERS], { progress: true });
  log(`demo: ${formatSummary(s)}`);
  return true;
}

/** Whether the store holds fewer papers than the demo and every one of them is a demo paper. */
async function demoCutShort(store: PaperStore, stored: number): Promise<boolean> {
  if (!fs.existsSync(DEMO_PAPERS)) return false;
  const ids = await demoIds();
  if (stored >= ids.length) return false;
  return (await store.getMany(ids)).length === stored;
}

/** The arXiv ids of the demo papers, in file order. */
async function demoIds(): Promise<string[]> {
  const lines = readline.createInterface({ input: fs.createReadStream(DEMO_PAPERS).pipe(zlib.createGunzip()), crlfDelay: Infinity });
  const ids: string[] = [];
  for await (const line of lines) {
    const id = line.trim() ? (JSON.parse(line) as { id?: unknown }).id : undefined;
    if (typeof id === 'string') ids.push(id);
  }
  return ids;
}
