import { SETTINGS, type Setting } from './config.js';

// docs/settings.md's table, generated from the settings table so that the page cannot drift from
// what loadConfig accepts: `npm run docs:settings` writes it, config-doc.test.ts fails when it differs.

export const SETTINGS_DOC = new URL('../../docs/settings.md', import.meta.url);
export const BEGIN_MARKER = '<!-- settings:begin: generated from src/config.ts by `npm run docs:settings`; edit the help there -->';
export const END_MARKER = '<!-- settings:end -->';

const code = (x: string) => '`' + x + '`';
const orList = (xs: readonly string[]) => (xs.length === 2 ? `${code(xs[0])} or ${code(xs[1])}` : xs.map(code).join(', '));

function range(s: Setting): string {
  if (s.min !== undefined && s.max !== undefined) return `, ${s.min}–${s.max}`;
  if (s.min !== undefined) return `, ≥ ${s.min}`;
  return '';
}

/** What the variable accepts, in words. */
function accepted(s: Setting): string {
  switch (s.type) {
    case 'int':
      return `whole number${range(s)}`;
    case 'duration':
      return `${s.unit === 's' ? 'seconds' : 'milliseconds'}${range(s)}`;
    case 'bool':
      return orList(['true', 'false']);
    case 'url':
      return 'http(s) URL';
    case 'list':
      return s.choices ? `comma-separated: ${s.choices.map(code).join(', ')}` : 'comma-separated list';
    case 'enum':
      return orList(s.choices ?? []);
    case 'time':
      return code('HH:MM');
    case 'timezone':
      return 'IANA time zone';
    default:
      return 'text';
  }
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** The Markdown table of every setting, in the table's order. */
export function settingsTable(settings: readonly Setting[] = SETTINGS): string {
  const rows = settings.map((s) => {
    const shown = s.default === '' ? '(empty)' : code(s.default);
    const values = accepted(s) + (s.secret ? '; secret: hidden by `paperboy config`' : '');
    return `| ${code(s.name)} | ${cell(shown)} | ${cell(values)} | ${cell(s.help)} |`;
  });
  return ['| variable | default | values | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** The page with the text between its markers replaced by the generated table. */
export function withSettingsTable(page: string, table: string = settingsTable()): string {
  const begin = page.indexOf(BEGIN_MARKER);
  const end = page.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`config-doc: the settings page needs the markers ${BEGIN_MARKER} and ${END_MARKER}`);
  return `${page.slice(0, begin + BEGIN_MARKER.length)}\n${table}\n${page.slice(end)}`;
}
