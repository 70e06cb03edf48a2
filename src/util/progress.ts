// A terminal progress line for long jobs (import, harvest, embedding): count, rate, ETA.
// On a TTY it redraws one line; elsewhere (CI, logs) it prints a line every few seconds.

export interface Progress {
  /** set the number of items done, and optionally the fraction of the whole (0..1) */
  update(done: number, fraction?: number): void;
  finish(summary?: string): void;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function createProgress(label: string, unit: string, stream: NodeJS.WriteStream = process.stderr, enabled = true): Progress {
  const start = Date.now();
  const tty = Boolean(stream.isTTY);
  let lastDraw = 0;
  let done = 0;
  let fraction: number | undefined;
  const line = () => {
    const elapsed = (Date.now() - start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    let bar = '';
    let eta = '';
    if (fraction !== undefined && fraction > 0) {
      const width = 24;
      const filled = Math.min(width, Math.round(fraction * width));
      bar = ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`;
      eta = `  ETA ${formatDuration(elapsed / fraction - elapsed)}`;
    }
    return `${label}${bar}  ${done.toLocaleString('en-US')} ${unit}  ${Math.round(rate).toLocaleString('en-US')}/s${eta}`;
  };
  return {
    update(n, f) {
      done = n;
      fraction = f;
      if (!enabled) return;
      const now = Date.now();
      if (now - lastDraw < (tty ? 100 : 5000)) return;
      lastDraw = now;
      if (tty) stream.write(`\r${line()}\x1b[K`);
      else stream.write(`${line()}\n`);
    },
    finish(summary) {
      if (!enabled) return;
      if (fraction !== undefined) fraction = 1;
      stream.write(`${tty ? '\r' : ''}${line()}  in ${formatDuration((Date.now() - start) / 1000)}${tty ? '\x1b[K' : ''}\n`);
      if (summary) stream.write(`${summary}\n`);
    },
  };
}
