// Digest periods, counted in FEED_TIMEZONE. A digest sent on local date D covers the days before
// D: a daily digest the feed day D-1 (only when that is a weekday, as the feed has no weekend
// days), a weekly digest the seven days D-7 .. D-1. A period's key names its kind and days, and
// with the subscriber it names exactly one email (its Message-ID and its digest_sends row).

import { zonedParts } from '../util/zoned-time.js';

export type Frequency = 'daily' | 'weekly';
export const FREQUENCIES: Frequency[] = ['daily', 'weekly'];
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export interface Period {
  frequency: Frequency;
  /** e.g. daily:2026-05-28 or weekly:2026-05-21..2026-05-27 */
  key: string;
  /** first and last feed day, YYYY-MM-DD */
  firstDay: string;
  lastDay: string;
  /** the days as UTC instants: [start, end) */
  start: string;
  end: string;
  /** the local date it is sent on */
  sendDate: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isDate(s: string): boolean {
  return DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
}

/** Calendar arithmetic on YYYY-MM-DD, independent of time zones. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** The local date and hour of an instant in a time zone. */
export function localDateHour(instant: Date, timeZone: string): { date: string; hour: number } {
  const p = zonedParts(instant, timeZone);
  return { date: `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`, hour: p.hour };
}

/** The UTC instant at which a local date begins in a time zone (DST-safe: corrects by the zone's offset twice). */
export function startOfLocalDay(date: string, timeZone: string): Date {
  let guess = Date.parse(`${date}T00:00:00Z`);
  for (let i = 0; i < 2; i++) {
    const p = zonedParts(new Date(guess), timeZone);
    const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    guess -= asUtc - Date.parse(`${date}T00:00:00Z`);
  }
  return new Date(guess);
}

export function isFeedWeekday(date: string): boolean {
  const w = weekdayOf(date);
  return w >= 1 && w <= 5;
}

/** The period a digest of this frequency sent on sendDate covers; null when no daily digest is due (weekend feed day). */
export function periodFor(frequency: Frequency, sendDate: string, timeZone: string): Period | null {
  const lastDay = addDays(sendDate, -1);
  if (frequency === 'daily' && !isFeedWeekday(lastDay)) return null;
  const firstDay = frequency === 'daily' ? lastDay : addDays(sendDate, -7);
  return {
    frequency,
    key: frequency === 'daily' ? `daily:${lastDay}` : `weekly:${firstDay}..${lastDay}`,
    firstDay,
    lastDay,
    start: startOfLocalDay(firstDay, timeZone).toISOString(),
    end: startOfLocalDay(sendDate, timeZone).toISOString(),
    sendDate,
  };
}

/** Every feed day of a period, oldest first. */
export function daysOf(period: Period): string[] {
  const out: string[] = [];
  for (let d = period.firstDay; d <= period.lastDay; d = addDays(d, 1)) out.push(d);
  return out;
}
