// The feed day of an instant: its calendar date in FEED_TIMEZONE (America/New_York by default),
// so a paper submitted at 23:30 in New York lands on that evening's day, not tomorrow's UTC date.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** 'YYYY-MM-DD' of `at` in timeZone. */
export function feedDay(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** True on Saturday and Sunday in timeZone. */
export function isWeekend(at: Date, timeZone: string): boolean {
  const weekday = formatter(timeZone)
    .formatToParts(at)
    .find((p) => p.type === 'weekday')?.value;
  return weekday === 'Sat' || weekday === 'Sun';
}
