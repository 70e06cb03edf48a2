// `npm test`: make sure the system packages the suite needs are there (installing them when run
// as root, else naming the command), start one throw-away PostgreSQL cluster for the run, then
// run every compiled *.test.js with node's test runner.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPgBin, startPgCluster } from '../src/testing/pg-cluster.js';

const root = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const isRoot = process.getuid?.() === 0;

function ensurePackages(): void {
  const missing: string[] = [];
  if (!findPgBin()) missing.push('postgresql');
  if (!fs.existsSync('/usr/bin/chromium')) missing.push('chromium');
  // Chromium's recommended fonts (Arial's metrics): the layout tests measure text as readers' browsers lay it out.
  if (!fs.existsSync('/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf')) missing.push('fonts-liberation');
  if (!missing.length) return;
  const cmd = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!isRoot) {
    console.error(`test: missing system packages: ${missing.join(', ')}. Install them with:\n  sudo sh -c '${cmd}'`);
    process.exit(1);
  }
  console.error(`test: installing ${missing.join(', ')} ...`);
  const r = spawnSync('sh', ['-c', cmd], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`test: could not install ${missing.join(', ')} (exit ${r.status})`);
    process.exit(1);
  }
}

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(p));
    else if (entry.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

async function main() {
  ensurePackages();
  const only = process.argv.slice(2);
  const files = findTests(path.join(root, 'dist', 'src')).filter((f) => !only.length || only.some((o) => f.includes(o)));
  const cluster = await startPgCluster();
  console.error(`test: PostgreSQL cluster on 127.0.0.1:${cluster.port}; ${files.length} test files`);
  let status = 1;
  try {
    const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {
      stdio: 'inherit',
      cwd: root,
      env: { ...process.env, PAPERBOY_TEST_PG_URL: cluster.url, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    });
    status = r.status ?? 1;
  } finally {
    cluster.stop();
  }
  process.exit(status);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
