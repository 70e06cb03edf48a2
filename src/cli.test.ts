import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './testing/paths.js';
import { fixtureFile, readFixture } from './testing/fixtures.js';
import { DIALECTS, freshDatabaseUrl } from './testing/databases.js';
import { openDatabase } from './storage/database.js';
import { createAccounts } from './community/accounts.js';
import { addPapers } from './digest/fixtures.js';
import { FOR_YOU_PAPERS } from './testing/foryou-fixtures.js';

const CLI = path.join(REPO_ROOT, 'dist/src/cli.js');

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
}

test('--help lists the commands; an unknown command exits 2', () => {
  const help = cli(['--help']);
  assert.equal(help.status, 0);
  for (const c of ['serve', 'migrate', 'import', 'config']) assert.match(help.stdout, new RegExp(`\\n  ${c} `));
  assert.match(cli(['import', '--help']).stdout, /paperboy import FILE/);
  assert.equal(cli(['frobnicate']).status, 2);
});

test('config prints effective settings with secrets hidden', () => {
  const r = cli(['config'], { DATABASE_URL: 'postgres://paper:hunter2@db.example:5432/pb', PORT: '8080', SMTP_URL: 'smtp://u:mailpass@mx.example:587' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.stdout.includes('hunter2') && !r.stdout.includes('mailpass'));
  assert.match(r.stdout, /DATABASE_URL\s+"postgres:\/\/paper:\*\*\*\*@db\.example:5432\/pb"/);
  assert.match(r.stdout, /PORT\s+"8080"/);
  assert.match(r.stdout, /HOST\s+"0\.0\.0\.0"\s+\(default\)/);
});

test('bad settings are all reported at once with a non-zero exit', () => {
  const r = cli(['config'], {
    PORT: 'eighty',
    DATABASE_URL: 'mysql://x',
    FEED_TIMEZONE: 'Mars/Olympus',
    SERVICES: 'web,bogus',
    EMBEDDER: 'onnx:/nonexistent/model',
  });
  assert.equal(r.status, 78);
  for (const s of ['PORT', 'DATABASE_URL', 'FEED_TIMEZONE', 'SERVICES', 'EMBEDDER']) assert.match(r.stderr, new RegExp(`- ${s}`));
});

test('import names each bad line and imports the good ones; a repeat reports unchanged', async () => {
  const { url, drop } = await freshDatabaseUrl('sqlite');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-cli-'));
  try {
    const good = readFixture('arxiv-metadata/kaggle-oai-snapshot-head200.jsonl').split('\n').filter(Boolean);
    const noTitle = { ...JSON.parse(good[5]), title: '' };
    const badId = { ...JSON.parse(good[6]), id: '99.99' };
    const file = path.join(dir, 'mixed.jsonl');
    fs.writeFileSync(file, [good[0], '{broken', JSON.stringify(noTitle), JSON.stringify(badId), good[1]].join('\n'));
    const r = cli(['import', file], { DATABASE_URL: url });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /2 inserted, 0 updated, 0 unchanged, 3 rejected/);
    assert.match(r.stderr, /line 2: invalid JSON/);
    assert.match(r.stderr, /line 3: 0704\.0006: missing title/);
    assert.match(r.stderr, /line 4: bad arXiv id "99\.99"/);
    const again = cli(['import', file, '--quiet'], { DATABASE_URL: url });
    assert.match(again.stdout, /0 inserted, 0 updated, 2 unchanged, 3 rejected/);
    const missing = cli(['import', path.join(dir, 'nope.jsonl')], { DATABASE_URL: url });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no such file/);
  } finally {
    await drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

for (const dialect of DIALECTS) {
  test(`${dialect}: re-importing a file in which an id repeats with changed content imports it all, every time`, async () => {
    const { url, drop } = await freshDatabaseUrl(dialect);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-cli-'));
    try {
      const good = readFixture('arxiv-metadata/kaggle-oai-snapshot-head200.jsonl').split('\n').filter(Boolean);
      // The same id and version twice with different titles, in different batches (--batch-size 1),
      // with papers before, between and after them.
      const twice = JSON.parse(good[1]);
      const later = { ...twice, title: 'Zyxwvut retitled later in the same file' };
      const file = path.join(dir, 'repeats.jsonl');
      fs.writeFileSync(file, [good[0], JSON.stringify(twice), good[2], JSON.stringify(later), good[3]].join('\n'));
      const env = { DATABASE_URL: url, DATA_DIR: dir, EMBEDDER: 'none' };
      const first = cli(['import', file, '--quiet', '--batch-size', '1'], env);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /4 inserted, 1 updated, 0 unchanged, 0 rejected/);
      for (let run = 0; run < 2; run++) {
        const again = cli(['import', file, '--quiet', '--batch-size', '1'], env);
        assert.equal(again.status, 0, again.stderr);
        assert.match(again.stdout, /0 inserted, 2 updated, 3 unchanged, 0 rejected/);
      }
      const found = cli(['search', 'zyxwvut'], env);
      assert.equal(found.status, 0, found.stderr);
      assert.match(found.stdout, new RegExp(twice.id.replace('.', '\\.')));
    } finally {
      await drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('user create --token also creates a personal API token and prints it on a `token:` line, once', async () => {
  const { url, drop } = await freshDatabaseUrl('sqlite');
  const database = await openDatabase(url);
  try {
    const env = { DATABASE_URL: url, BASE_URL: 'http://paperboy.test' };
    const r = cli(['user', 'create', '--email', 'bot@example.org', '--username', 'bot', '--token'], env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /user: created bot <bot@example\.org> \(member\)/);
    assert.match(r.stdout, /signin\/confirm\?token=/);
    const token = /^token: (\S+)$/m.exec(r.stdout)?.[1];
    assert.ok(token, r.stdout);
    assert.equal((await createAccounts(database).apiTokenUser(token))?.username, 'bot');
    // Run again: the account is there and has a token, which cannot be shown again.
    const again = cli(['user', 'create', '--email', 'bot@example.org', '--username', 'bot', '--token'], env);
    assert.equal(again.status, 1);
    assert.doesNotMatch(again.stdout, /token:/);
    assert.match(again.stderr, /bot already has an API token .* revoke it on http:\/\/paperboy\.test\/u\/bot/);
    // An account made without a token gets one on a later --token; another username is refused.
    assert.equal(cli(['user', 'create', '--email', 'ada@example.org', '--username', 'ada'], env).status, 0);
    const later = cli(['user', 'create', '--email', 'ada@example.org', '--username', 'ada', '--token'], env);
    assert.equal(later.status, 0, later.stderr);
    assert.match(later.stdout, /user: ada <ada@example\.org> \(member\) exists\ntoken: pb_\S+\n/);
    const clash = cli(['user', 'create', '--email', 'ada@example.org', '--username', 'other', '--token'], env);
    assert.equal(clash.status, 1);
    assert.match(clash.stderr, /already exists, named ada/);
  } finally {
    await database.close();
    await drop();
  }
});

test('user delete asks for --yes, then deletes the member and their data; the username is free again', async () => {
  const { url, drop } = await freshDatabaseUrl('sqlite');
  const database = await openDatabase(url);
  try {
    const env = { DATABASE_URL: url, BASE_URL: 'http://paperboy.test' };
    assert.equal(cli(['user', 'create', '--email', 'ada@example.org', '--username', 'ada', '--token'], env).status, 0);
    const unsure = cli(['user', 'delete', '--username', 'ada'], env);
    assert.equal(unsure.status, 2);
    assert.match(unsure.stderr, /add --yes/);
    assert.ok(await createAccounts(database).getByUsername('ada'), 'nothing deleted without --yes');
    const r = cli(['user', 'delete', '--username', 'ada', '--yes'], env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /user: deleted ada <ada@example\.org>/);
    assert.equal(await createAccounts(database).getByUsername('ada'), null);
    assert.equal((await database.db.selectFrom('api_tokens').select('id').execute()).length, 0);
    assert.equal(cli(['user', 'delete', '--username', 'ada', '--yes'], env).status, 1, 'no such user any more');
    assert.equal(cli(['user', 'create', '--email', 'ada@example.org', '--username', 'ada'], env).status, 0, 'the name and address can be used again');
  } finally {
    await database.close();
    await drop();
  }
});

test('serve names a DATA_DIR it cannot write at start, with or without SESSION_SECRET', async () => {
  const { url, drop } = await freshDatabaseUrl('sqlite');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-cli-'));
  try {
    assert.equal(cli(['migrate'], { DATABASE_URL: url }).status, 0);
    // A folder below a file cannot be made, also for root (who may write into a read-only mode folder).
    fs.writeFileSync(path.join(dir, 'file'), '');
    const dataDir = path.join(dir, 'file', 'data');
    for (const secret of [{}, { SESSION_SECRET: 'a-secret-for-the-test' }]) {
      const r = spawnSync(process.execPath, [CLI, 'serve'], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: url, DATA_DIR: dataDir, PORT: '0', SERVICES: 'web', LOG_LEVEL: 'silent', ...secret },
      });
      assert.equal(r.status, 1, `${JSON.stringify(secret)}: ${r.stdout}${r.stderr}`);
      assert.ok(r.stderr.includes(`DATA_DIR ${dataDir} cannot be written: part of its path is a file (ENOTDIR)`), r.stderr);
    }
  } finally {
    await drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('search prints ranked papers, takes the page filters as flags and names a bad one', async () => {
  const { url, drop } = await freshDatabaseUrl('sqlite');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-cli-'));
  try {
    const env = { DATABASE_URL: url, DATA_DIR: dir, EMBEDDER: 'none' };
    assert.equal(cli(['import', fixtureFile('arxiv-metadata/kaggle-oai-snapshot-head200.jsonl'), '--quiet'], env).status, 0);
    const r = cli(['search', 'quantum field theory', '--limit', '3', '--json'], env);
    assert.equal(r.status, 0, r.stderr);
    const body = JSON.parse(r.stdout);
    assert.equal(body.mode, 'lexical');
    assert.equal(body.papers.length, 3);
    assert.match(body.papers[0].title, /Quantum Field Theory/i);
    const filtered = JSON.parse(cli(['search', 'quantum field theory', '--category', 'math-ph', '--json'], env).stdout);
    assert.ok(filtered.papers.length > 0);
    for (const p of filtered.papers) assert.ok(p.categories.includes('math-ph'), p.id);
    const bad = cli(['search', 'quantum', '--sort', 'bogus'], env);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--sort must be one of relevance, date, upvotes/);
  } finally {
    await drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('library import: a .bib file imports its good entries and names the bad ones by line; ids and URLs too', async () => {
  const { url, drop } = await freshDatabaseUrl('sqlite');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-cli-'));
  const env = { DATABASE_URL: url, DATA_DIR: dir, EMBEDDER: 'none' };
  try {
    assert.equal(cli(['migrate'], env).status, 0);
    const database = await openDatabase(url);
    try {
      await addPapers(database, FOR_YOU_PAPERS);
      await createAccounts(database).createUser({ email: 'ada@example.org', username: 'ada' });
    } finally {
      await database.close();
    }
    const bib = path.join(dir, 'mine.bib');
    fs.writeFileSync(
      bib,
      [
        '@article{gnn, title = {Graph neural networks for molecule property prediction}, eprint = {2603.00101}}',
        '@misc{protein, title = {Protein structure prediction with attention}, year = 2026}',
        '@article{broken, title = {Unclosed',
        '@article{elsewhere, title = {Not on this instance}, doi = {10.1000/none}}',
      ].join('\n'),
    );
    const r = cli(['library', 'import', '--username', 'ada', bib], env);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stdout, /library: imported 2 papers for ada; 2 not imported/);
    assert.match(r.stderr, /mine\.bib:3: broken: broken entry/);
    assert.match(r.stderr, /mine\.bib:4: elsewhere: no paper here has its arXiv id, DOI or title/);
    const ids = path.join(dir, 'ids.txt');
    fs.writeFileSync(ids, '2603.00103\nhttps://arxiv.org/abs/2603.00201v2\n');
    const ok = cli(['library', 'import', '--username', 'ada', ids], env);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /imported 2 papers/);
    assert.equal(cli(['library', 'import', '--username', 'nobody', ids], env).status, 1);
    assert.equal(cli(['library', 'import', ids], env).status, 2);
    assert.equal(cli(['library', 'import', '--username', 'ada', path.join(dir, 'missing.bib')], env).status, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await drop();
  }
});
