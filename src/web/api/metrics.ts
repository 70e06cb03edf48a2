import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import type { HarvestStats } from '../../ingest/harvest-store.js';
import type { JobState } from '../../jobs/runner.js';
import type { PageCacheStats } from '../page-cache.js';

// Prometheus text exposition (format 0.0.4). The harvest counters live in the database (summed
// over harvest windows), so this answers for every worker process and one-shot `paperboy harvest`.

interface Metric {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: Array<[labels: Record<string, string>, value: number]>;
}

export function harvestMetrics(s: HarvestStats, papers: number): Metric[] {
  return [
    { name: 'paperboy_papers', type: 'gauge', help: 'Papers in the store.', samples: [[{}, papers]] },
    {
      name: 'paperboy_harvest_papers_total',
      type: 'counter',
      help: 'Harvested records by outcome.',
      samples: [
        [{ outcome: 'inserted' }, s.inserted],
        [{ outcome: 'updated' }, s.updated],
        [{ outcome: 'unchanged' }, s.unchanged],
        [{ outcome: 'rejected' }, s.rejected],
      ],
    },
    { name: 'paperboy_harvest_requests_total', type: 'counter', help: 'Requests sent to arXiv, retries included.', samples: [[{}, s.requests]] },
    { name: 'paperboy_harvest_errors_total', type: 'counter', help: 'Failed arXiv requests and failed harvest windows.', samples: [[{}, s.errors]] },
    {
      name: 'paperboy_harvest_last_success_timestamp_seconds',
      type: 'gauge',
      help: 'When a harvest window last finished (Unix time; 0 if never).',
      samples: [[{}, s.lastSuccessAt ? Math.floor(Date.parse(s.lastSuccessAt) / 1000) : 0]],
    },
    {
      name: 'paperboy_harvest_windows',
      type: 'gauge',
      help: 'Harvest windows by state.',
      samples: [
        [{ state: 'done' }, s.windowsDone],
        [{ state: 'failed' }, s.windowsFailed],
        [{ state: 'running' }, s.running],
      ],
    },
    { name: 'paperboy_jobs_queue_depth', type: 'gauge', help: 'Jobs due and not yet claimed by a worker.', samples: [[{ queue: 'harvest' }, s.queueDepth]] },
  ];
}

const seconds = (iso: string | null) => (iso ? Math.floor(Date.parse(iso) / 1000) : 0);

/** This process's job runner (src/jobs/runner.ts): unlike the harvest counters, per process. */
export function jobMetrics(states: JobState[]): Metric[] {
  const per = (value: (s: JobState) => number) => states.map((s): [Record<string, string>, number] => [{ job: s.name }, value(s)]);
  return [
    { name: 'paperboy_job_runs_total', type: 'counter', help: 'Runs of each job kind in this process, failed ones included.', samples: per((s) => s.runs) },
    { name: 'paperboy_job_failures_total', type: 'counter', help: 'Failed runs of each job kind in this process.', samples: per((s) => s.failures) },
    { name: 'paperboy_job_running', type: 'gauge', help: 'Runs of each job kind in progress in this process.', samples: per((s) => s.runningNow) },
    {
      name: 'paperboy_job_last_failed',
      type: 'gauge',
      help: 'Whether the last run of each job kind failed (1) or not (0).',
      samples: per((s) => (s.lastStatus === 'failed' ? 1 : 0)),
    },
    {
      name: 'paperboy_job_last_start_timestamp_seconds',
      type: 'gauge',
      help: 'When the last run of each job kind started (Unix time; 0 if never).',
      samples: per((s) => seconds(s.lastStartedAt)),
    },
    {
      name: 'paperboy_job_last_end_timestamp_seconds',
      type: 'gauge',
      help: 'When the last run of each job kind ended (Unix time; 0 if never).',
      samples: per((s) => seconds(s.lastFinishedAt)),
    },
  ];
}

/** This process's anonymous page cache (src/web/page-cache.ts). */
export function pageCacheMetrics(s: PageCacheStats): Metric[] {
  return [
    {
      name: 'paperboy_page_cache_bytes',
      type: 'gauge',
      help: 'Bytes of pages in the anonymous page cache (PAGE_CACHE_MB bounds it).',
      samples: [[{}, s.bytes]],
    },
    { name: 'paperboy_page_cache_entries', type: 'gauge', help: 'Pages in the anonymous page cache.', samples: [[{}, s.entries]] },
    {
      name: 'paperboy_page_cache_requests_total',
      type: 'counter',
      help: 'Anonymous page requests by how the cache answered (miss: counted once per render).',
      samples: [
        [{ result: 'hit' }, s.hits],
        [{ result: 'stale' }, s.stale],
        [{ result: 'miss' }, s.renders],
      ],
    },
  ];
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

export function formatPrometheus(metrics: Metric[]): string {
  const out: string[] = [];
  for (const m of metrics) {
    out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
    for (const [labels, value] of m.samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      out.push(`${m.name}${l.length ? `{${l.join(',')}}` : ''} ${value}`);
    }
  }
  return out.join('\n') + '\n';
}

export function registerMetrics(app: FastifyInstance, { papers, jobs, harvestWindows: harvest, pageCache }: AppDeps) {
  app.get('/metrics', async (_req, reply) => {
    const [stats, count] = await Promise.all([harvest.stats(), papers.count()]);
    return reply
      .type('text/plain; version=0.0.4; charset=utf-8')
      .send(formatPrometheus([...harvestMetrics(stats, count), ...jobMetrics(jobs.states()), ...pageCacheMetrics(pageCache.stats())]));
  });
}
