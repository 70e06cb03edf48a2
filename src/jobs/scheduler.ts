import { nextDailyAt } from './zoned-time.js';

// The scheduler only decides *when*; what to do is written to the database (planned harvest
// windows), where any worker process picks it up. It runs once at start (catch-up) and then
// daily at HARVEST_TIME in HARVEST_TIMEZONE, after arXiv's announcement.

export interface Scheduler {
  /** when the next planned tick is due */
  next(): Date | null;
  stop(): void;
}

export interface SchedulerOptions {
  time: string;
  timeZone: string;
  /** what the ticks do, for the log ("harvest", "digests") */
  name?: string;
  tick(): Promise<void>;
  log: (line: string) => void;
  now?: () => Date;
}

export async function startScheduler(opts: SchedulerOptions): Promise<Scheduler> {
  const now = opts.now ?? (() => new Date());
  let timer: NodeJS.Timeout | null = null;
  let nextAt: Date | null = null;
  let stopped = false;
  const run = async () => {
    try {
      await opts.tick();
    } catch (e) {
      opts.log(`scheduler: ${opts.name ?? 'harvest'} failed: ${(e as Error).message}`);
    }
  };
  const arm = () => {
    if (stopped) return;
    nextAt = nextDailyAt(now(), opts.time, opts.timeZone);
    timer = setTimeout(() => void run().then(arm), Math.max(0, nextAt.getTime() - now().getTime()));
    timer.unref?.();
  };
  await run();
  arm();
  opts.log(`scheduler: next ${opts.name ?? 'harvest'} at ${nextAt!.toISOString()} (${opts.time} ${opts.timeZone})`);
  return {
    next: () => nextAt,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
