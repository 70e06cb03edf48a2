// One typed table of settings, read from the environment once at start-up.
// Every bad value is collected and reported together; nothing reads process.env elsewhere.
import { onnxModelFiles } from './search/embedders/onnx-embedder.js';

export type SettingType = 'string' | 'int' | 'url' | 'list' | 'timezone' | 'enum';

export interface Setting {
  name: string;
  type: SettingType;
  default: string;
  secret?: boolean;
  choices?: string[];
  min?: number;
  max?: number;
  help: string;
}

export const SETTINGS: Setting[] = [
  { name: 'PORT', type: 'int', default: '3000', min: 0, max: 65535, help: 'HTTP port to listen on' },
  { name: 'HOST', type: 'string', default: '0.0.0.0', help: 'address to bind the HTTP server to' },
  { name: 'BASE_URL', type: 'url', default: '', help: 'public URL of this instance (links in emails and feeds); defaults to http://localhost:PORT' },
  { name: 'DATABASE_URL', type: 'string', default: 'sqlite:./data/paperboy.db', secret: true, help: 'sqlite:PATH or postgres://user:pass@host:port/db' },
  { name: 'DATA_DIR', type: 'string', default: './data', help: 'folder for models, outbox and other files' },
  { name: 'DEMO_DATA', type: 'enum', default: 'auto', choices: ['auto', 'off'], help: 'auto: load the bundled demo papers into an empty database on start' },
  { name: 'SERVICES', type: 'list', default: 'web,worker,scheduler', choices: ['web', 'worker', 'scheduler'], help: 'roles this process runs' },
  { name: 'LOG_LEVEL', type: 'enum', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], help: 'log verbosity' },
  { name: 'FEED_TIMEZONE', type: 'timezone', default: 'America/New_York', help: 'time zone in which feed days are counted' },
  { name: 'SMTP_URL', type: 'string', default: '', secret: true, help: 'smtp://user:pass@host:port; empty writes mail to DATA_DIR/outbox' },
  { name: 'MAIL_FROM', type: 'string', default: 'Paperboy <paperboy@localhost>', help: 'From address of outgoing mail' },
  { name: 'EMBEDDER', type: 'string', default: 'corpus', help: 'search embedder: corpus (model trained on this instance\'s papers by `paperboy train-embedder`; the demo model until then), onnx:DIR (a sentence-transformers model exported to ONNX: DIR holds model.onnx and tokenizer.json; run locally on the CPU), http:URL (an OpenAI-compatible /v1 base URL) or none (lexical only)' },
  { name: 'EMBEDDER_RETRAIN_PERCENT', type: 'int', default: '25', min: 0, max: 1000, help: 'corpus embedder: the worker role retrains the model when there are this many percent more papers than it was trained on (and at least 200 more); 0: only `paperboy train-embedder` trains' },
  { name: 'EMBEDDER_MODEL', type: 'string', default: 'default', help: 'model name sent to an http: embedder' },
  { name: 'DIGEST_HOUR', type: 'int', default: '8', min: 0, max: 23, help: 'hour (in FEED_TIMEZONE) from which the scheduler sends the day\'s email digests' },
  { name: 'DIGEST_RATE', type: 'int', default: '10', min: 0, max: 100000, help: 'email digests sent per second at most (0: unthrottled)' },
  { name: 'DIGEST_CONCURRENCY', type: 'int', default: '4', min: 1, max: 64, help: 'digests in flight at once (and SMTP connections kept open)' },
  { name: 'DIGEST_LEASE_SECONDS', type: 'int', default: '300', min: 1, max: 86400, help: 'a digest claimed by a run that died is sent by a later run after this long' },
  { name: 'DIGEST_RETRY_MS', type: 'int', default: '2000', min: 0, max: 600000, help: 'first backoff after a temporary SMTP failure (then x4, 4 attempts)' },
  { name: 'SESSION_SECRET', type: 'string', default: '', secret: true, help: 'secret for signing links and cookies; generated into DATA_DIR when empty' },
  { name: 'ARXIV_API_URL', type: 'url', default: 'https://export.arxiv.org/api/query', help: 'arXiv API (Atom) endpoint' },
  { name: 'ARXIV_OAI_URL', type: 'url', default: 'https://export.arxiv.org/oai2', help: 'arXiv OAI-PMH endpoint' },
  { name: 'ARXIV_CONTACT', type: 'string', default: '', help: "operator's e-mail or URL, sent in the User-Agent as arXiv asks" },
  { name: 'ARXIV_CATEGORIES', type: 'list', default: 'cs.LG,cs.CL,cs.CV,cs.AI,stat.ML', help: 'categories to harvest' },
  { name: 'ARXIV_REQUEST_INTERVAL_MS', type: 'int', default: '3000', min: 0, help: 'least time between two requests to one arXiv host' },
  { name: 'ARXIV_TIMEOUT_MS', type: 'int', default: '30000', min: 100, help: 'time limit of one arXiv request' },
  { name: 'ARXIV_MAX_RETRIES', type: 'int', default: '5', min: 0, max: 20, help: 'retries of a failed arXiv request (exponential backoff with jitter)' },
  { name: 'ARXIV_BACKOFF_MS', type: 'int', default: '2000', min: 0, help: 'first backoff delay; doubles on each retry' },
  { name: 'HARVEST_SOURCES', type: 'list', default: 'api,oai', choices: ['api', 'oai'], help: 'api: new submissions by category and date; oai: OAI-PMH ListRecords (also new versions)' },
  { name: 'HARVEST_TIME', type: 'string', default: '20:00', help: 'daily harvest time (HH:MM), after arXiv announces' },
  { name: 'HARVEST_TIMEZONE', type: 'timezone', default: 'America/New_York', help: 'time zone of HARVEST_TIME' },
  { name: 'HARVEST_LOOKBACK_DAYS', type: 'int', default: '2', min: 1, max: 365, help: 'days harvested when there is no history; recent days re-harvested on each run' },
  { name: 'HARVEST_PAGE_SIZE', type: 'int', default: '200', min: 1, max: 2000, help: 'max_results per arXiv API request' },
  { name: 'WORKER_CONCURRENCY', type: 'int', default: '2', min: 1, max: 16, help: 'jobs one worker process runs at once' },
  { name: 'WORKER_POLL_MS', type: 'int', default: '5000', min: 10, help: 'how often an idle worker looks for due jobs' },
  { name: 'FEED_AUTO_CATEGORIES', type: 'list', default: '', help: "newly harvested papers in these categories are put on the day's feed by the system user" },
  { name: 'SIGNUPS', type: 'enum', default: 'open', choices: ['open', 'closed'], help: 'open: signing in with a new email creates an account; closed: accounts come from `paperboy user create`' },
  { name: 'SUBMIT_MAX_AGE_DAYS', type: 'int', default: '14', min: 1, max: 3650, help: 'submissions close this many days after arXiv publication' },
  { name: 'SUBMIT_DAILY_CAP', type: 'int', default: '5', min: 1, max: 1000, help: 'papers a member may submit per feed day' },
  { name: 'SUBMIT_WEEKENDS', type: 'enum', default: 'true', choices: ['true', 'false'], help: 'false: no submissions on Saturdays and Sundays (in FEED_TIMEZONE)' },
  { name: 'SIGNIN_RATE_LIMIT', type: 'int', default: '10', min: 1, max: 100000, help: 'sign-in link requests per client address per hour' },
  { name: 'SIGNIN_EMAIL_RATE_LIMIT', type: 'int', default: '5', min: 1, max: 100000, help: 'sign-in link requests per email address per hour' },
  { name: 'SUBMIT_RATE_LIMIT', type: 'int', default: '30', min: 1, max: 100000, help: 'submission attempts per member per hour' },
];

export interface Config {
  port: number;
  host: string;
  baseUrl: string;
  databaseUrl: string;
  dataDir: string;
  demoData: 'auto' | 'off';
  services: string[];
  logLevel: string;
  feedTimezone: string;
  smtpUrl: string;
  mailFrom: string;
  sessionSecret: string;
  /** every setting's validated text, by name (for settings read by one module only) */
  raw: Record<string, string>;
}

export class ConfigError extends Error {
  constructor(public problems: string[]) {
    super('config: ' + problems.join('; '));
  }
}

function checkValue(s: Setting, value: string): string | null {
  switch (s.type) {
    case 'int': {
      if (!/^-?\d+$/.test(value)) return `${s.name}=${JSON.stringify(value)} is not a whole number`;
      const n = Number(value);
      if (s.min !== undefined && n < s.min) return `${s.name}=${value} is below ${s.min}`;
      if (s.max !== undefined && n > s.max) return `${s.name}=${value} is above ${s.max}`;
      return null;
    }
    case 'url':
      if (value === '') return null;
      try {
        const u = new URL(value);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') return `${s.name} must be an http(s) URL`;
      } catch {
        return `${s.name}=${JSON.stringify(value)} is not a URL`;
      }
      return null;
    case 'enum':
      return s.choices!.includes(value) ? null : `${s.name}=${JSON.stringify(value)} must be one of ${s.choices!.join(', ')}`;
    case 'list': {
      const items = value.split(',').map((x) => x.trim()).filter(Boolean);
      if (s.choices) {
        const bad = items.filter((x) => !s.choices!.includes(x));
        if (bad.length) return `${s.name} has unknown item(s) ${bad.join(', ')}; allowed: ${s.choices.join(', ')}`;
      }
      return null;
    }
    case 'timezone':
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: value });
        return null;
      } catch {
        return `${s.name}=${JSON.stringify(value)} is not an IANA time zone`;
      }
    default:
      return null;
  }
}

function checkDatabaseUrl(value: string): string | null {
  if (value.startsWith('sqlite:')) return value.length > 'sqlite:'.length ? null : 'DATABASE_URL sqlite: needs a path';
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    try {
      new URL(value);
      return null;
    } catch {
      return 'DATABASE_URL is not a valid postgres:// URL';
    }
  }
  return 'DATABASE_URL must start with sqlite: or postgres://';
}

function checkEmbedder(value: string): string | null {
  if (value === 'corpus' || value === 'none') return null;
  if (value.startsWith('http:')) {
    const base = value.slice('http:'.length);
    return /^https?:\/\//.test(base) && URL.canParse(base) ? null : `EMBEDDER=${JSON.stringify(value)}: http: wants a base URL, e.g. http:http://127.0.0.1:8080/v1`;
  }
  if (value.startsWith('onnx:')) {
    try {
      onnxModelFiles(value.slice('onnx:'.length));
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  }
  return `EMBEDDER=${JSON.stringify(value)} must be corpus, onnx:DIR, http:URL or none`;
}

/** Parse and validate all settings; throws ConfigError listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string> = {};
  const problems: string[] = [];
  for (const s of SETTINGS) {
    const value = (env[s.name] ?? s.default).trim();
    raw[s.name] = value;
    const p = checkValue(s, value);
    if (p) problems.push(p);
  }
  const dbProblem = checkDatabaseUrl(raw.DATABASE_URL);
  if (dbProblem) problems.push(dbProblem);
  const embedderProblem = checkEmbedder(raw.EMBEDDER);
  if (embedderProblem) problems.push(embedderProblem);
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(raw.HARVEST_TIME)) problems.push(`HARVEST_TIME=${JSON.stringify(raw.HARVEST_TIME)} is not HH:MM`);
  if (problems.length) throw new ConfigError(problems);
  const port = Number(raw.PORT);
  return {
    port,
    host: raw.HOST,
    baseUrl: (raw.BASE_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    databaseUrl: raw.DATABASE_URL,
    dataDir: raw.DATA_DIR,
    demoData: raw.DEMO_DATA as 'auto' | 'off',
    services: raw.SERVICES.split(',').map((x) => x.trim()).filter(Boolean),
    logLevel: raw.LOG_LEVEL,
    feedTimezone: raw.FEED_TIMEZONE,
    smtpUrl: raw.SMTP_URL,
    mailFrom: raw.MAIL_FROM,
    sessionSecret: raw.SESSION_SECRET,
    raw,
  };
}

/** Hide the password part of URLs and whole secret values. */
export function redact(setting: Setting, value: string): string {
  if (!setting.secret || value === '') return value;
  try {
    const u = new URL(value);
    if (u.password) {
      u.password = '****';
      return u.toString();
    }
    if (u.protocol === 'sqlite:') return value;
    return u.username ? u.toString() : value;
  } catch {
    return value.startsWith('sqlite:') ? value : '****';
  }
}

export function describeConfig(config: Config): string {
  const lines: string[] = [];
  for (const s of SETTINGS) {
    const value = config.raw[s.name] ?? '';
    lines.push(`${s.name.padEnd(18)} ${JSON.stringify(redact(s, value))}${value === s.default ? '  (default)' : ''}\n${' '.repeat(19)}# ${s.help}`);
  }
  return lines.join('\n');
}
