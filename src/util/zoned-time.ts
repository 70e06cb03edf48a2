// Wall-clock times in a named time zone, with Node's own Intl data (no date library):
// "20:00 in America/New_York" is 01:00 UTC in winter and 00:00 UTC in summer.

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields (year, month, day, hour, minute, second) that timeZone's clocks show at `at`. */
export function zonedParts(at: Date, timeZone: string): Record<string, number> {
  // Building a DateTimeFormat costs about a millisecond; one per zone is kept.
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(at)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

function offsetMs(at: Date, timeZone: string): number {
  const p = zonedParts(at, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant when the clocks of timeZone show y-m-d hh:mm. */
export function zonedTime(y: number, m: number, d: number, hh: number, mm: number, timeZone: string): Date {
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  let guess = wall;
  // Two rounds settle the offset, also on the days the clocks change.
  for (let i = 0; i < 2; i++) guess = wall - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

/** The next instant after `now` at which timeZone's clocks show hhmm ("20:00"). */
export function nextDailyAt(now: Date, hhmm: string, timeZone: string): Date {
  const [hh, mm] = hhmm.split(':').map(Number);
  const local = new Date(now.getTime() + offsetMs(now, timeZone));
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth() + 1;
  const d = local.getUTCDate();
  const today = zonedTime(y, m, d, hh, mm, timeZone);
  if (today.getTime() > now.getTime()) return today;
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return zonedTime(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), hh, mm, timeZone);
}
