// Input of GET /api/daily_papers. Fastify checks the shape (types, ranges, patterns) with the
// JSON schema; parseDailyPapersQuery() then checks what a schema cannot (a real calendar date,
// one period at most) and turns the strings into a DailyQuery.
import { FEED_SORTS, MAX_LIMIT, type DailyQuery, type FeedSort } from '../../feed/daily.js';
import { CATEGORY_MAX_LENGTH, CATEGORY_PATTERN } from '../../papers/schemas.js';
import { parseDay, parseMonth, parseWeek, PeriodError, type Period } from '../../feed/period.js';

export const DEFAULT_LIMIT = 50;
/** Deep offsets cost a scan each; past this, narrow the period instead. */
export const MAX_PAGE = 1000;

export interface DailyPapersQuerystring {
  date?: string;
  week?: string;
  month?: string;
  submitter?: string;
  category?: string;
  sort?: FeedSort;
  p?: number;
  limit?: number;
}

export const dailyPapersQuerySchema = {
  type: 'object',
  properties: {
    date: { type: 'string', maxLength: 10 },
    week: { type: 'string', maxLength: 8 },
    month: { type: 'string', maxLength: 7 },
    submitter: { type: 'string', minLength: 1, maxLength: 64 },
    category: { type: 'string', pattern: CATEGORY_PATTERN, maxLength: CATEGORY_MAX_LENGTH },
    sort: { type: 'string', enum: FEED_SORTS },
    p: { type: 'integer', minimum: 0, maximum: MAX_PAGE },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
  },
} as const;

export class BadRequest extends Error {
  statusCode = 400;
}

export function parseDailyPapersQuery(q: DailyPapersQuerystring): DailyQuery {
  const given = (['date', 'week', 'month'] as const).filter((k) => q[k] !== undefined);
  if (given.length > 1) throw new BadRequest(`daily_papers: give one of date, week or month, not ${given.join(' and ')}`);
  let period: Period | undefined;
  try {
    if (q.date !== undefined) period = parseDay(q.date);
    else if (q.week !== undefined) period = parseWeek(q.week);
    else if (q.month !== undefined) period = parseMonth(q.month);
  } catch (e) {
    if (e instanceof PeriodError) throw new BadRequest(`daily_papers: ${e.message}`);
    throw e;
  }
  return {
    period,
    submitter: q.submitter,
    category: q.category,
    sort: q.sort ?? 'publishedAt',
    page: q.p ?? 0,
    limit: q.limit ?? DEFAULT_LIMIT,
  };
}
