// Shapes of paper fields that the feed, search and the HTTP layer all check, written once so that
// they cannot drift apart (the feed, search and the API document each had their own category rule).
import { FormatRegistry, Type } from '@sinclair/typebox';

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

/** A calendar day as YYYY-MM-DD; the shape only (which days exist is for feed/period.ts to say). */
export const DAY_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
const DAY_RE = new RegExp(DAY_PATTERN);
// TypeBox's checker knows no formats until told; `date` is checked by its shape, as the pattern says.
if (!FormatRegistry.Has('date')) FormatRegistry.Set('date', (v) => DAY_RE.test(v));
export const Day = (description: string) => Type.String({ format: 'date', pattern: DAY_PATTERN, description, examples: ['2026-05-29'] });
