// Feed periods: one day, one ISO week or one calendar month of feed days (YYYY-MM-DD strings in
// FEED_TIMEZONE). Days are plain calendar dates, so all arithmetic here is done in UTC on
// midnight instants: no time zone can shift a calendar date by accident.

import { feedDay } from './feed-day.js';
import { isCalendarDay } from '../util/strict-input.js';

export type PeriodKind = 'day' | 'week' | 'month';

export interface Period {
  kind: PeriodKind;
  /** the canonical key as it appears in URLs: 2026-05-29, 2026-W22, 2026-05 */
  key: string;
  /** first and last feed day of the period, inclusive */
  from: string;
  to: string;
}

/** A malformed or impossible period key; the message says which and why. */
export class PeriodError extends Error {}

const DAY_MS = 24 * 60 * 60 * 1000;

function toDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function dayMs(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

export function addDays(day: string, n: number): string {
  return toDay(dayMs(day) + n * DAY_MS);
}

/** The feed day (YYYY-MM-DD) of an instant in the given IANA time zone: the community's rule. */
export function feedDayOf(instant: Date | string, timeZone: string): string {
  return feedDay(typeof instant === 'string' ? new Date(instant) : instant, timeZone);
}

export function parseDay(text: string): Period {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) throw new PeriodError(`period: date "${text.slice(0, 40)}" is not YYYY-MM-DD`);
  if (!isCalendarDay(text)) throw new PeriodError(`period: date "${text}" is not a real calendar day`);
  return { kind: 'day', key: text, from: text, to: text };
}

/** ISO 8601 week-numbering year and week of a day. */
export function isoWeekOf(day: string): { year: number; week: number } {
  const d = new Date(dayMs(day));
  const weekday = (d.getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  // The Thursday of this week decides the week-year.
  const thursday = new Date(d.getTime() + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1);
  const week = 1 + Math.floor((thursday.getTime() - jan1) / DAY_MS / 7);
  return { year, week };
}

function weeksInYear(year: number): number {
  // A year has 53 ISO weeks when Dec 28 (always in the last week) is in week 53.
  return isoWeekOf(`${String(year).padStart(4, '0')}-12-28`).week;
}

function weekKey(year: number, week: number): string {
  return `${String(year).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}

function weekPeriod(year: number, week: number): Period {
  // Jan 4 is always in week 1.
  const jan4 = Date.UTC(year, 0, 4);
  const jan4Weekday = (new Date(jan4).getUTCDay() + 6) % 7;
  const monday = jan4 - jan4Weekday * DAY_MS + (week - 1) * 7 * DAY_MS;
  return { kind: 'week', key: weekKey(year, week), from: toDay(monday), to: toDay(monday + 6 * DAY_MS) };
}

export function parseWeek(text: string): Period {
  const m = /^(\d{4})-W(\d{2})$/.exec(text);
  if (!m) throw new PeriodError(`period: week "${text.slice(0, 40)}" is not YYYY-Www (ISO week, e.g. 2026-W22)`);
  const year = Number(m[1]);
  const week = Number(m[2]);
  if (year < 1 || week < 1 || week > weeksInYear(year)) throw new PeriodError(`period: ${year} has no ISO week ${week}`);
  return weekPeriod(year, week);
}

export function weekOf(day: string): Period {
  const { year, week } = isoWeekOf(day);
  return weekPeriod(year, week);
}

export function parseMonth(text: string): Period {
  const m = /^(\d{4})-(\d{2})$/.exec(text);
  if (!m) throw new PeriodError(`period: month "${text.slice(0, 40)}" is not YYYY-MM`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (year < 1 || month < 1 || month > 12) throw new PeriodError(`period: month "${text}" does not exist`);
  return monthPeriod(year, month);
}

function monthPeriod(year: number, month: number): Period {
  const first = Date.UTC(year, month - 1, 1);
  const last = Date.UTC(year, month, 1) - DAY_MS;
  return { kind: 'month', key: toDay(first).slice(0, 7), from: toDay(first), to: toDay(last) };
}

export function monthOf(day: string): Period {
  return parseMonth(day.slice(0, 7));
}

export function parsePeriod(kind: PeriodKind, text: string): Period {
  return kind === 'day' ? parseDay(text) : kind === 'week' ? parseWeek(text) : parseMonth(text);
}

/** The calendar period just before (-1) or after (+1) this one. */
export function shiftPeriod(p: Period, direction: -1 | 1): Period {
  if (p.kind === 'day') return parseDay(addDays(p.from, direction));
  if (p.kind === 'week') return weekOf(addDays(p.from, 7 * direction));
  const [y, m] = p.key.split('-').map(Number);
  const index = y * 12 + (m - 1) + direction;
  return monthPeriod(Math.floor(index / 12), (index % 12) + 1);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Human label: "Friday, May 29, 2026", "Week 22 of 2026 (May 25 – May 31)", "May 2026". */
export function periodLabel(p: Period): string {
  const short = (day: string) => `${MONTHS[Number(day.slice(5, 7)) - 1].slice(0, 3)} ${Number(day.slice(8, 10))}`;
  if (p.kind === 'day') {
    const d = new Date(dayMs(p.from));
    return `${WEEKDAYS[d.getUTCDay()]}, ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
  }
  if (p.kind === 'week') return `Week ${Number(p.key.slice(6))} of ${p.key.slice(0, 4)} (${short(p.from)} – ${short(p.to)})`;
  return `${MONTHS[Number(p.key.slice(5, 7)) - 1]} ${p.key.slice(0, 4)}`;
}

/** The page URL of a period: /papers/date/…, /papers/week/…, /papers/month/… */
export function periodPath(p: Period): string {
  return `/papers/${p.kind === 'day' ? 'date' : p.kind}/${p.key}`;
}
