import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { SETTINGS } from './config.js';
import { SETTINGS_DOC, settingsTable, withSettingsTable } from './config-doc.js';

test('docs/settings.md holds the table generated from the settings (else run `npm run docs:settings`)', () => {
  const page = fs.readFileSync(SETTINGS_DOC, 'utf8');
  assert.equal(page, withSettingsTable(page), 'docs/settings.md differs from src/config.ts: run `npm run docs:settings` and commit it');
});

test('the table has one row per setting, with its default and help', () => {
  const rows = settingsTable().split('\n').slice(2);
  assert.equal(rows.length, SETTINGS.length);
  for (const [i, s] of SETTINGS.entries()) {
    assert.ok(rows[i].startsWith(`| \`${s.name}\` | ${s.default === '' ? '(empty)' : `\`${s.default}\``} |`), rows[i]);
    assert.ok(rows[i].endsWith(` | ${s.help} |`), rows[i]);
  }
});
