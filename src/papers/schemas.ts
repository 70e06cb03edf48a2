// Shapes of paper fields that the feed, search and the HTTP layer all check, written once so that
// they cannot drift apart (the feed, search and the API document each had their own category rule).
import { FormatRegistry, Type } from '@sinclair/typebox';
import { isCalendarDay } from '../util/strict-input.js';

/**
 * An arXiv category: an archive and an optional subject class (cs.LG, math-ph, q-bio.NC,
 * cond-mat.stat-mech). Anything else names no category, and is answered with a 400 rather than
 * an empty list so that a typo is seen.
 */
export const CATEGORY_PATTERN = '^[A-Za-z][A-Za-z-]*(\\.[A-Za-z][A-Za-z-]*)?$';
export const CATEGORY_MAX_LENGTH = 40;
const CATEGORY_RE = new RegExp(CATEGORY_PATTERN);

export function isCategory(s: string): boolean {
  return s.length <= CATEGORY_MAX_LENGTH && CATEGORY_RE.test(s);
}

export const Category = Type.String({
  pattern: CATEGORY_PATTERN,
  maxLength: CATEGORY_MAX_LENGTH,
  description: "arXiv category, any of the paper's (e.g. cs.CL)",
  examples: ['cs.CL'],
});

/** A calendar day as YYYY-MM-DD: the pattern gives the shape, the `date` format that the day exists. */
export const DAY_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
// TypeBox's checker knows no formats until told; `date` is a real calendar day, as /api/daily_papers
// (feed/period.ts) reads one: 2025-02-30 and 2025-13-01 are refused by every door.
if (!FormatRegistry.Has('date')) FormatRegistry.Set('date', isCalendarDay);
export const Day = (description: string) => Type.String({ format: 'date', pattern: DAY_PATTERN, description, examples: ['2026-05-29'] });
