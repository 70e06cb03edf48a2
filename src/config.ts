// One typed table of settings, read from the environment once at start-up.
// Every bad value is collected and reported together; nothing reads process.env elsewhere.
// Each setting is declared once below (name, Config field, type, default, help); the Config type is
// inferred from the table, and docs/settings.md is generated from it (`npm run docs:settings`).
import { isIP } from 'node:net';
import { onnxModelFiles } from './search/embedders/onnx-embedder.js';

/**
 * int: a whole number; duration: a whole number of `unit`s, exposed in milliseconds; bool: true or
 * false; url: an http(s) URL or empty; list: comma-separated; time: HH:MM; timezone: an IANA name.
 */
export type SettingType = 'string' | 'int' | 'duration' | 'bool' | 'url' | 'list' | 'time' | 'timezone' | 'enum';

export interface Setting {
  /** the environment variable */
  name: string;
  /** the Config field it is parsed into */
  key: string;
  type: SettingType;
  /** the environment text used when the variable is unset */
  default: string;
  /** duration: the unit of the environment value (the Config field is in ms) */
  unit?: 'ms' | 's';
  secret?: boolean;
  choices?: readonly string[];
  /** int and duration: bounds of the environment value, in its unit */
  min?: number;
  max?: number;
  /** a further check of the text beyond its type; returns the problem */
  check?: (value: string) => string | null;
  /** Markdown, one line: docs/settings.md shows it, `paperboy config` prints it without the backticks */
  help: string;
}

export const SETTINGS = [
  { name: 'PORT', key: 'port', type: 'int', default: '3000', min: 0, max: 65535, help: 'HTTP port the web server listens on' },
  { name: 'HOST', key: 'host', type: 'string', default: '0.0.0.0', help: 'address the web server binds to' },
  {
    name: 'TRUST_PROXY',
    key: 'trustProxy',
    type: 'string',
    default: '',
    check: checkTrustProxy,
    help: 'the reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed (per-client rate limits, logs, `Secure` cookies): empty trusts none and the peer is the client; a whole number trusts that many hops in front of this server; or comma-separated proxy addresses and CIDRs (`127.0.0.1,10.0.0.0/8`; `loopback`, `linklocal`, `uniquelocal` name those ranges). Trusting a client lets it pick any address and escape the rate limits',
  },
  {
    name: 'BASE_URL',
    key: 'baseUrl',
    type: 'url',
    default: '',
    help: 'public URL of this instance (links in emails and feeds); empty: `http://localhost:PORT`',
  },
  {
    name: 'DATABASE_URL',
    key: 'databaseUrl',
    type: 'string',
    default: 'sqlite:./data/paperboy.db',
    secret: true,
    check: checkDatabaseUrl,
    help: '`sqlite:PATH` or `postgres://user:pass@host:port/db`',
  },
  { name: 'DATA_DIR', key: 'dataDir', type: 'string', default: './data', help: 'folder for models, the mail outbox and other files' },
  {
    name: 'LEXICAL_INDEX_SEED',
    key: 'lexicalIndexSeed',
    type: 'string',
    default: '',
    help: 'a saved lexical index (`paperboy import` leaves one in its own `DATA_DIR/models/lexical.bm25`) that a process whose `DATA_DIR` has none loads, read only, and catches up from the database, instead of building its index from every paper (empty: none). One of another database is ignored',
  },
  {
    name: 'DISK_MIN_FREE_MB',
    key: 'diskMinFreeMb',
    type: 'int',
    default: '64',
    min: 0,
    max: 1_000_000_000,
    help: '`/healthz` answers 503 when fewer MiB than this are free on the disk of `DATA_DIR` or of the SQLite database (writes fail on a full disk); `0`: no check',
  },
  {
    name: 'DEMO_DATA',
    key: 'demoData',
    type: 'enum',
    default: 'auto',
    choices: ['auto', 'off'],
    help: '`auto` loads the bundled demo papers into an empty database on `npm start`; `off` does not',
  },
  {
    name: 'SERVICES',
    key: 'services',
    type: 'list',
    default: 'web,worker,scheduler',
    choices: ['web', 'worker', 'scheduler'],
    help: 'the roles this process runs: `web` serves HTTP, `worker` runs due jobs (harvest windows) from the database, `scheduler` plans them (a catch-up at start, then daily); several workers may share one PostgreSQL database',
  },
  {
    name: 'LOG_LEVEL',
    key: 'logLevel',
    type: 'enum',
    default: 'info',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    help: 'log verbosity',
  },
  { name: 'FEED_TIMEZONE', key: 'feedTimezone', type: 'timezone', default: 'America/New_York', help: 'the time zone in which feed days are counted' },
  {
    name: 'PAGE_CACHE_MB',
    key: 'pageCacheMb',
    type: 'int',
    default: '64',
    min: 0,
    max: 65536,
    help: 'MiB of rendered pages kept for anonymous visitors (feed pages, `/api/daily_papers`, Atom feeds), least recently used dropped first; `0`: none kept',
  },
  {
    name: 'PAGE_CACHE_STALE',
    key: 'pageCacheStaleMs',
    type: 'duration',
    unit: 's',
    default: '2',
    min: 0,
    max: 60,
    help: 'how far behind the database (in seconds) a page from that cache may be: votes, comments and submissions reach anonymous visitors within this, however many come in; `0`: every request checks, and every write re-renders the pages read after it',
  },
  {
    name: 'SMTP_URL',
    key: 'smtpUrl',
    type: 'string',
    default: '',
    secret: true,
    help: 'outgoing mail (sign-in links, digests): `smtp://user:pass@host:port`; empty writes `.eml` files to `DATA_DIR/outbox/`',
  },
  { name: 'MAIL_FROM', key: 'mailFrom', type: 'string', default: 'Paperboy <paperboy@localhost>', help: 'From address of outgoing mail' },
  {
    name: 'EMBEDDER',
    key: 'embedder',
    type: 'string',
    default: 'corpus',
    check: checkEmbedder,
    help: "search embedder: `corpus` (a model trained on this instance's papers by `paperboy train-embedder`, merged with the shipped base model; the base model until then), `onnx:DIR` (a sentence-transformers model exported to ONNX: DIR holds `model.onnx` and `tokenizer.json`; run locally on the CPU), `http:URL` (an OpenAI-compatible `/v1` base URL, asked for `EMBEDDER_MODEL`) or `none` (lexical search only)",
  },
  {
    name: 'EMBEDDER_RETRAIN_PERCENT',
    key: 'embedderRetrainPercent',
    type: 'int',
    default: '25',
    min: 0,
    max: 1000,
    help: 'with `EMBEDDER=corpus`, the worker role retrains the model when there are this many percent more papers than it was trained on (and at least 200 more); `0`: only `paperboy train-embedder` trains',
  },
  {
    name: 'EMBEDDER_BASE',
    key: 'embedderBase',
    type: 'bool',
    default: 'true',
    help: "with `EMBEDDER=corpus`, start from the base model shipped in `models/base.pbem` (trained on 65,232 arXiv papers): search with it until the instance has a model of its own, and merge it into every model trained here; `false`: the instance's own model only (lexical search until one is trained)",
  },
  {
    name: 'EMBEDDER_BASE_START',
    key: 'embedderBaseStart',
    type: 'enum',
    default: 'merge',
    choices: ['warm', 'merge'],
    help: "with `EMBEDDER_BASE=true`, how a model trained here (`train-embedder`, the worker's retrain) uses the base model: `merge` trains from random and averages the result with the base after aligning them; `warm` starts training from the base's vectors for the words both know (the rest as from random) and adds the words only the base knows (it lost to `merge` in cross-validation: docs/search.md)",
  },
  { name: 'EMBEDDER_MODEL', key: 'embedderModel', type: 'string', default: 'default', help: 'model name sent to an `http:` embedder' },
  {
    name: 'DIGEST_HOUR',
    key: 'digestHour',
    type: 'int',
    default: '8',
    min: 0,
    max: 23,
    help: "hour in `FEED_TIMEZONE` from which the scheduler sends the day's email digests",
  },
  { name: 'DIGEST_RATE', key: 'digestRate', type: 'int', default: '10', min: 0, max: 100000, help: 'email digests sent per second at most (`0`: unthrottled)' },
  {
    name: 'DIGEST_CONCURRENCY',
    key: 'digestConcurrency',
    type: 'int',
    default: '4',
    min: 1,
    max: 64,
    help: 'digests in flight at once (and SMTP connections kept open)',
  },
  {
    name: 'DIGEST_LEASE_SECONDS',
    key: 'digestLeaseMs',
    type: 'duration',
    unit: 's',
    default: '300',
    min: 1,
    max: 86400,
    help: 'a digest claimed by a sender that died is sent by a later run after this long',
  },
  {
    name: 'DIGEST_RETRY_MS',
    key: 'digestRetryMs',
    type: 'duration',
    unit: 'ms',
    default: '2000',
    min: 0,
    max: 600000,
    help: 'first backoff after a temporary SMTP failure (then ×4; 4 attempts, then left for the next run)',
  },
  {
    name: 'SESSION_SECRET',
    key: 'sessionSecret',
    type: 'string',
    default: '',
    secret: true,
    help: 'key for CSRF tokens and the signed links in digest emails; when empty, one is generated once into `DATA_DIR/session-secret`',
  },
  { name: 'ARXIV_API_URL', key: 'arxivApiUrl', type: 'url', default: 'https://export.arxiv.org/api/query', help: 'arXiv API (Atom) endpoint' },
  { name: 'ARXIV_OAI_URL', key: 'arxivOaiUrl', type: 'url', default: 'https://export.arxiv.org/oai2', help: 'arXiv OAI-PMH endpoint' },
  {
    name: 'ARXIV_CONTACT',
    key: 'arxivContact',
    type: 'string',
    default: '',
    help: "the operator's e-mail or URL, sent in the `User-Agent` (`Paperboy/VERSION (...; CONTACT)`) as arXiv asks; against the public arXiv the scheduled daily harvest stays off until it is set",
  },
  {
    name: 'GITHUB_TOKEN',
    key: 'githubToken',
    type: 'string',
    default: '',
    secret: true,
    help: "a GitHub token (no scopes needed) for refreshing the stars of papers' repositories at GitHub's authenticated rate (5,000 requests an hour); empty: unauthenticated (60 an hour), and only when `GITHUB_STARS=on`",
  },
  {
    name: 'GITHUB_API_URL',
    key: 'githubApiUrl',
    type: 'url',
    default: 'https://api.github.com',
    help: 'GitHub REST API endpoint (GitHub Enterprise: `https://HOST/api/v3`)',
  },
  {
    name: 'GITHUB_STARS',
    key: 'githubStars',
    type: 'enum',
    default: 'auto',
    choices: ['auto', 'on', 'off'],
    help: "refresh the stars of papers' GitHub repositories (a worker job, one request at a time, conditional requests): `auto` when `GITHUB_TOKEN` is set, `on` also without one, `off` never",
  },
  {
    name: 'GITHUB_STARS_REFRESH_HOURS',
    key: 'githubStarsRefreshHours',
    type: 'int',
    default: '24',
    min: 1,
    help: "how old a repository's star count may get before it is asked for again",
  },
  {
    name: 'SUMMARY_URL',
    key: 'summaryUrl',
    type: 'url',
    default: '',
    help: 'an OpenAI-compatible chat-completions server (llama.cpp\'s server, Ollama, vLLM; base URL, e.g. `http://127.0.0.1:8080/v1`) that writes a one-sentence summary of each paper in a worker job (`ai_summary`), newest papers first; with `SUMMARY_MODEL`. Empty: the abstract\'s own sentence (`ai_summary_model: "extractive"`)',
  },
  {
    name: 'SUMMARY_MODEL',
    key: 'summaryModel',
    type: 'string',
    default: '',
    help: 'the model name sent to `SUMMARY_URL` and shown as `ai_summary_model`; the job runs only when both are set',
  },
  {
    name: 'SUMMARY_API_KEY',
    key: 'summaryApiKey',
    type: 'string',
    default: '',
    secret: true,
    help: 'sent as `Authorization: Bearer KEY` to `SUMMARY_URL` (never logged); empty: no header',
  },
  {
    name: 'SUMMARY_RATE_PER_MINUTE',
    key: 'summaryRatePerMinute',
    type: 'int',
    default: '6',
    min: 1,
    max: 600,
    help: 'papers each worker process sends to `SUMMARY_URL` per minute at most (one request at a time)',
  },
  {
    name: 'SUMMARY_DAILY_BUDGET',
    key: 'summaryDailyBudget',
    type: 'int',
    default: '500',
    min: 0,
    help: 'papers sent to `SUMMARY_URL` per UTC day, all workers together (each try counts); when spent the job waits for the next day',
  },
  {
    name: 'SUMMARY_TIMEOUT_MS',
    key: 'summaryTimeoutMs',
    type: 'duration',
    unit: 'ms',
    default: '60000',
    min: 100,
    help: 'time limit of one request to `SUMMARY_URL`; a paper whose answer is late is tried again later (15 minutes, doubling)',
  },
  {
    name: 'THUMBNAILS',
    key: 'thumbnails',
    type: 'enum',
    default: 'off',
    choices: ['off', 'on'],
    help: "`on`: page 1 of each paper's PDF, drawn small by poppler's `pdftoppm` (package `poppler-utils`), on feed cards and paper pages; a worker job fetches each PDF once, when the paper is first shown or opened, through the arXiv client's pace (one request at a time, `ARXIV_REQUEST_INTERVAL_MS` apart, `ARXIV_CONTACT` in the `User-Agent`), and keeps the image in `DATA_DIR/thumbnails`",
  },
  {
    name: 'ARXIV_PDF_URL',
    key: 'arxivPdfUrl',
    type: 'url',
    default: 'https://export.arxiv.org/pdf',
    help: "where the PDFs of `THUMBNAILS` come from: a paper's is `ARXIV_PDF_URL/ID`; arXiv's export mirror by default, which arXiv set up for programs so that they do not slow the main site for readers",
  },
  { name: 'ARXIV_CATEGORIES', key: 'arxivCategories', type: 'list', default: 'cs.LG,cs.CL,cs.CV,cs.AI,stat.ML', help: 'categories to harvest' },
  {
    name: 'ARXIV_REQUEST_INTERVAL_MS',
    key: 'arxivRequestIntervalMs',
    type: 'duration',
    unit: 'ms',
    default: '3000',
    min: 0,
    help: 'pause between two requests to one arXiv host (one at a time, counted from the last answer); every process on the database shares the pace (each reserves its start in the `http_slots` table)',
  },
  { name: 'ARXIV_TIMEOUT_MS', key: 'arxivTimeoutMs', type: 'duration', unit: 'ms', default: '30000', min: 100, help: 'time limit of one arXiv request' },
  {
    name: 'ARXIV_MAX_RETRIES',
    key: 'arxivMaxRetries',
    type: 'int',
    default: '5',
    min: 0,
    max: 20,
    help: 'retries of a failed arXiv request, with exponential backoff and full jitter (`Retry-After` honoured)',
  },
  {
    name: 'ARXIV_BACKOFF_MS',
    key: 'arxivBackoffMs',
    type: 'duration',
    unit: 'ms',
    default: '2000',
    min: 0,
    help: 'first backoff delay; doubles on each retry',
  },
  {
    name: 'HARVEST_SOURCES',
    key: 'harvestSources',
    type: 'list',
    default: 'api,oai',
    choices: ['api', 'oai'],
    help: '`api`: new submissions by category and day; `oai`: OAI-PMH `ListRecords` by set and day (also new versions)',
  },
  { name: 'HARVEST_TIME', key: 'harvestTime', type: 'time', default: '20:00', help: "when the scheduler plans the daily harvest, after arXiv's announcement" },
  { name: 'HARVEST_TIMEZONE', key: 'harvestTimezone', type: 'timezone', default: 'America/New_York', help: 'time zone of `HARVEST_TIME`' },
  {
    name: 'HARVEST_LOOKBACK_DAYS',
    key: 'harvestLookbackDays',
    type: 'int',
    default: '2',
    min: 1,
    max: 365,
    help: 'days harvested on a first run (no history); these recent days are harvested again on every run',
  },
  { name: 'HARVEST_PAGE_SIZE', key: 'harvestPageSize', type: 'int', default: '200', min: 1, max: 2000, help: '`max_results` per arXiv API request' },
  { name: 'WORKER_CONCURRENCY', key: 'workerConcurrency', type: 'int', default: '2', min: 1, max: 16, help: 'jobs one worker process runs at once' },
  { name: 'WORKER_POLL_MS', key: 'workerPollMs', type: 'duration', unit: 'ms', default: '5000', min: 10, help: 'how often an idle worker looks for due jobs' },
  {
    name: 'FEED_AUTO_CATEGORIES',
    key: 'feedAutoCategories',
    type: 'list',
    default: '',
    help: "for instances without an active community: newly harvested papers in these categories go on that day's feed, submitted by the `paperboy` system user under the usual submission rules; empty: only members submit",
  },
  {
    name: 'SIGNUPS',
    key: 'signups',
    type: 'enum',
    default: 'open',
    choices: ['open', 'closed'],
    help: '`open`: signing in with a new email creates a member; `closed`: accounts only come from `paperboy user create`',
  },
  {
    name: 'SUBMIT_MAX_AGE_DAYS',
    key: 'submitMaxAgeDays',
    type: 'int',
    default: '14',
    min: 1,
    max: 3650,
    help: 'submissions close this many days after arXiv publication',
  },
  { name: 'SUBMIT_DAILY_CAP', key: 'submitDailyCap', type: 'int', default: '5', min: 1, max: 1000, help: 'papers a member may submit per feed day' },
  {
    name: 'SUBMIT_WEEKENDS',
    key: 'submitWeekends',
    type: 'bool',
    default: 'true',
    help: '`false`: no submissions on Saturdays and Sundays (in `FEED_TIMEZONE`)',
  },
  {
    name: 'SIGNIN_RATE_LIMIT',
    key: 'signinRateLimit',
    type: 'int',
    default: '10',
    min: 1,
    max: 100000,
    help: 'sign-in link requests per client address per hour (then 429)',
  },
  {
    name: 'SIGNIN_EMAIL_RATE_LIMIT',
    key: 'signinEmailRateLimit',
    type: 'int',
    default: '5',
    min: 1,
    max: 100000,
    help: 'sign-in link requests per email address per hour (then 429)',
  },
  {
    name: 'SUBMIT_RATE_LIMIT',
    key: 'submitRateLimit',
    type: 'int',
    default: '30',
    min: 1,
    max: 100000,
    help: 'submission attempts per member per hour (web and API; then 429)',
  },
  {
    name: 'SEARCH_CONCURRENCY',
    key: 'searchConcurrency',
    type: 'int',
    default: '0',
    min: 0,
    max: 256,
    help: 'searches computed at once (`0`: one more than `SEARCH_THREADS`, or 1 without search threads), more wait in the queue',
  },
  {
    name: 'SEARCH_THREADS',
    key: 'searchThreads',
    type: 'string',
    default: 'auto',
    check: (v) =>
      /^(auto|\d{1,3})$/.test(v) && (v === 'auto' || Number(v) <= 256)
        ? null
        : `SEARCH_THREADS=${JSON.stringify(v)} is not \`auto\` or a whole number from 0 to 256`,
    help: 'threads beside the event loop that run the CPU-bound parts of searches (query embedding with the corpus model, soft word match, the vector side of hybrid ranking), so that other pages answer while search is busy; `auto`: one per CPU core; `0`: all on the main thread',
  },
  {
    name: 'SEARCH_QUEUE',
    key: 'searchQueue',
    type: 'int',
    default: '64',
    min: 0,
    max: 100000,
    help: 'searches that may wait for their turn; past them search answers 503 with `Retry-After`',
  },
  {
    name: 'SEARCH_CACHE_MB',
    key: 'searchCacheMb',
    type: 'int',
    default: '32',
    min: 0,
    max: 100000,
    help: 'memory for answers to repeated searches (MiB; `0`: none), each kept until the papers or the model change, 10 s at most',
  },
] as const satisfies readonly Setting[];

type Declared = (typeof SETTINGS)[number];

/** The parsed value of one declared setting, by its type. */
type ValueOf<S extends Declared> = S extends { type: 'int' | 'duration' }
  ? number
  : S extends { type: 'bool' }
    ? boolean
    : S extends { type: 'enum'; choices: readonly (infer C)[] }
      ? C
      : S extends { type: 'list'; choices: readonly (infer C)[] }
        ? C[]
        : S extends { type: 'list' }
          ? string[]
          : string;

/** Every setting, parsed: one field per declaration, named by its `key`. */
export type Config = { [S in Declared as S['key']]: ValueOf<S> };

export class ConfigError extends Error {
  constructor(public problems: string[]) {
    super('config: ' + problems.join('; '));
  }
}

const splitList = (value: string) =>
  value
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function checkValue(s: Setting, value: string): string | null {
  switch (s.type) {
    case 'int':
    case 'duration': {
      if (!/^-?\d+$/.test(value)) return `${s.name}=${JSON.stringify(value)} is not a whole number`;
      const n = Number(value);
      if (s.min !== undefined && n < s.min) return `${s.name}=${value} is below ${s.min}`;
      if (s.max !== undefined && n > s.max) return `${s.name}=${value} is above ${s.max}`;
      return null;
    }
    case 'bool':
      return value === 'true' || value === 'false' ? null : `${s.name}=${JSON.stringify(value)} must be one of true, false`;
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
      if (s.choices) {
        const bad = splitList(value).filter((x) => !s.choices!.includes(x));
        if (bad.length) return `${s.name} has unknown item(s) ${bad.join(', ')}; allowed: ${s.choices.join(', ')}`;
      }
      return null;
    }
    case 'time':
      return /^([01]\d|2[0-3]):[0-5]\d$/.test(value) ? null : `${s.name}=${JSON.stringify(value)} is not HH:MM`;
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

/** The typed value of a valid text. */
function parseValue(s: Setting, value: string): unknown {
  switch (s.type) {
    case 'int':
      return Number(value);
    case 'duration':
      return Number(value) * (s.unit === 's' ? 1000 : 1);
    case 'bool':
      return value === 'true';
    case 'list':
      return splitList(value);
    default:
      return value;
  }
}

/** The environment text of a typed value (what `paperboy config` prints). */
function formatValue(s: Setting, value: unknown): string {
  if (s.type === 'duration') return String((value as number) / (s.unit === 's' ? 1000 : 1));
  if (s.type === 'list') return (value as string[]).join(',');
  return String(value);
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

const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** One TRUST_PROXY item: an IP address, a CIDR (`10.0.0.0/8`, `fd00::/8`) or a named range. */
function isProxyAddress(item: string): boolean {
  if (PROXY_RANGES.includes(item)) return true;
  const [address, prefix, ...rest] = item.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (version === 4 && isIP(prefix) === 4) return true; // a netmask: 10.0.0.0/255.0.0.0
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

function checkTrustProxy(value: string): string | null {
  if (value === '' || /^\d{1,2}$/.test(value)) return null;
  const bad = splitList(value).filter((item) => !isProxyAddress(item));
  if (bad.length === 0 && splitList(value).length > 0) return null;
  return `TRUST_PROXY=${JSON.stringify(value)} must be empty, a number of hops or proxy addresses/CIDRs (e.g. 127.0.0.1,10.0.0.0/8)${bad.length ? `; not an address: ${bad.join(', ')}` : ''}`;
}

/** TRUST_PROXY as Fastify's `trustProxy` option: false (none), the hops to trust, or the proxies' addresses. */
export function trustProxyOption(value: string): false | string[] | ((address: string, hop: number) => boolean) {
  if (value === '') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops > 0 ? (_address, hop) => hop < hops : false;
  }
  return splitList(value);
}

function checkEmbedder(value: string): string | null {
  if (value === 'corpus' || value === 'none') return null;
  if (value.startsWith('http:')) {
    const base = value.slice('http:'.length);
    return /^https?:\/\//.test(base) && URL.canParse(base)
      ? null
      : `EMBEDDER=${JSON.stringify(value)}: http: wants a base URL, e.g. http:http://127.0.0.1:8080/v1`;
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
  const parsed: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const s of SETTINGS as readonly Setting[]) {
    const value = (env[s.name] ?? s.default).trim();
    const problem = checkValue(s, value) ?? s.check?.(value) ?? null;
    if (problem) problems.push(problem);
    else parsed[s.key] = parseValue(s, value);
  }
  if (problems.length) throw new ConfigError(problems);
  const config = parsed as Config;
  config.baseUrl = (config.baseUrl || `http://localhost:${config.port}`).replace(/\/+$/, '');
  return config;
}

// A URL's user info as written: `scheme://user:password@`; the password runs to the last `@` before the host.
const URL_PASSWORD_RE = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)[^\s/?#]*@/gi;
// A credential passed in a URL's query (`?api_key=...`, `&password=...`).
const QUERY_SECRET_RE = /([?&](?:password|passwd|pass|pwd|secret|token|access_token|api_key|apikey|key)=)[^&#\s]*/gi;

/**
 * Hide passwords (and credentials in a query) inside every URL in any setting (EMBEDDER=http:http://user:pass@...,
 * ARXIV_API_URL, a list of URLs), not only in the settings marked secret, and whole secret values that are no URL.
 */
export function redact(setting: Setting, value: string): string {
  if (value === '') return value;
  const hidden = value.replace(URL_PASSWORD_RE, '$1****@').replace(QUERY_SECRET_RE, '$1****');
  if (!setting.secret || hidden !== value || value.startsWith('sqlite:')) return hidden;
  // A secret URL without a password shows (smtp://host:25); any other secret text does not.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) && URL.canParse(value) ? value : '****';
}

/** `paperboy config`: every setting's effective value (secrets hidden) and its help. */
export function describeConfig(config: Config): string {
  const lines: string[] = [];
  for (const s of SETTINGS as readonly Setting[]) {
    const value = formatValue(s, (config as Record<string, unknown>)[s.key]);
    const isDefault = value === formatValue(s, parseValue(s, s.default));
    lines.push(`${s.name.padEnd(18)} ${JSON.stringify(redact(s, value))}${isDefault ? '  (default)' : ''}\n${' '.repeat(19)}# ${s.help.replaceAll('`', '')}`);
  }
  return lines.join('\n');
}
