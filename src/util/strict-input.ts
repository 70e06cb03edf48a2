// One reading of numbers and dates typed by people and clients, for every door (query strings, forms,
// CLI flags): a whole number is written in decimal digits only and a day is a real calendar day. What
// Number() and Date.parse() also accept (`0x10`, `1e3`, `Infinity`, ` 7`, `2025-02-30` rolled over
// to March) is refused alike everywhere, so one door cannot accept what another rejects.

const WHOLE_NUMBER_RE = /^-?\d+$/;
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The number a text of decimal digits (an optional minus) says, or null: no other notation, nothing too large to be exact. */
export function parseWholeNumber(text: string): number | null {
  if (!WHOLE_NUMBER_RE.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** Whether a text is YYYY-MM-DD naming a day that exists (2024-02-29 does, 2025-02-30 and 2025-13-01 do not). */
export function isCalendarDay(text: string): boolean {
  const m = DAY_RE.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one (Date.UTC maps years 0-99 to 1900s: set the year apart).
  const last = new Date(Date.UTC(2000, month, 0));
  last.setUTCFullYear(year, month, 0);
  return day <= last.getUTCDate();
}

// An email address as both sign-in and subscribe read it: ASCII only (what goes into a `To:` header
// raw), a local part of RFC 5322 atoms and dots, and a domain of letter-digit-hyphen labels.
const EMAIL_RE = /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

/** The address in lower case, or null when it is none (or not plain ASCII). */
export function normaliseEmail(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const e = input.trim().toLowerCase();
  return e.length <= 254 && EMAIL_RE.test(e) ? e : null;
}
