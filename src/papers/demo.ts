import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importFiles, formatSummary } from './import.js';
import type { PaperStore } from './store.js';

/** Real arXiv papers shipped with the repo (see demo/README.md): 64 announcement days of cs.CL and friends. */
export const DEMO_PAPERS = fileURLToPath(new URL('../../../demo/papers.jsonl.gz', import.meta.url));

/** Load the demo papers into an empty store; does nothing when papers exist. */
export async function loadDemoIfEmpty(store: PaperStore, log: (line: string) => void): Promise<boolean> {
  if ((await store.count()) > 0) return false;
  if (!fs.existsSync(DEMO_PAPERS)) throw new Error(`demo: ${DEMO_PAPERS} is missing`);
  log('demo: empty database, loading the bundled demo papers');
  const s = await importFiles(store, [DEMO_PAPERS], { progress: true });
  log(`demo: ${formatSummary(s)}`);
  return true;
}
