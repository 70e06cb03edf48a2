// `npm run docs:settings`: write the settings table of docs/settings.md from src/config.ts.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SETTINGS_DOC, withSettingsTable } from '../src/config-doc.js';

const file = fileURLToPath(SETTINGS_DOC);
const before = fs.readFileSync(file, 'utf8');
const after = withSettingsTable(before);
if (after === before) console.log(`docs: ${file} is up to date`);
else {
  fs.writeFileSync(file, after);
  console.log(`docs: wrote the settings table of ${file}`);
}
