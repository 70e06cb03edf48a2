import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { DEMO_PAPERS, loadDemoIfEmpty } from './demo.js';
import { importFiles } from './import.js';
import { createPaperStore } from './store.js';
import { buildPaper } from './paper.js';
import { freshDatabase } from '../testing/databases.js';

// A kill during the first `npm start` leaves the demo's first batches committed: the next start
// finishes the load instead of serving a part of the demo for good.
const demoLines = () => zlib.gunzipSync(fs.readFileSync(DEMO_PAPERS)).toString('utf8').split('\n').filter(Boolean);

test('a demo load cut short is finished on the next start; real data is never topped up with demo papers', async () => {
  const db = await freshDatabase('sqlite');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-demo-'));
  try {
    const store = createPaperStore(db);
    const lines = demoLines();
    const part = path.join(dir, 'part.jsonl');
    fs.writeFileSync(part, `${lines.slice(0, 1500).join('\n')}\n`);
    await importFiles(store, [part]);
    assert.equal(await store.count(), 1500);
    const log: string[] = [];
    assert.equal(await loadDemoIfEmpty(store, (l) => log.push(l)), true);
    assert.equal(await store.count(), lines.length);
    assert.match(log.join('\n'), /cut short \(1500 papers stored\), finishing it/);
    assert.match(log.join('\n'), /1500 unchanged/);
    // Complete: the next start leaves it alone.
    assert.equal(await loadDemoIfEmpty(store, () => {}), false);
    assert.equal(await store.count(), lines.length);
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a database with a paper of its own is not a cut-short demo', async () => {
  const db = await freshDatabase('sqlite');
  try {
    const store = createPaperStore(db);
    await store.upsertMany([buildPaper({ id: '2501.99999', title: 'Our own paper', abstract: 'Not a demo paper.' })]);
    assert.equal(await loadDemoIfEmpty(store, () => {}), false);
    assert.equal(await store.count(), 1);
  } finally {
    await db.destroy();
  }
});
