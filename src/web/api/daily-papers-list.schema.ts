// Input of GET /api/daily_papers. Fastify checks the shape (types, ranges, patterns) with the
// schema; parseDailyPapersQuery() then checks what a schema cannot (a real calendar date,
// one period at most) and turns the strings into a DailyQuery. The period fields are left to
// feed/period.ts, whose messages say more than a pattern's.
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../../util/string-enum.js';
import { FEED_SORTS, MAX_LIMIT, type DailyQuery } from '../../feed/daily.js';
import { Category } from '../../papers/schemas.js';
import { parseDay, parseMonth, parseWeek, PeriodError, type Period } from '../../feed/period.js';

export const DEFAULT_LIMIT = 50;
/** Deep offsets cost a scan each; past this, narrow the period instead. */
export const MAX_PAGE = 1000;

export const DailyPapersQuery = Type.Object({
  date: Type.Optional(Type.String({ maxLength: 10, description: 'one feed day, YYYY-MM-DD', examples: ['2026-05-29'] })),
  week: Type.Optional(Type.String({ maxLength: 8, description: 'one ISO week, YYYY-Www', examples: ['2026-W22'] })),
  month: Type.Optional(Type.String({ maxLength: 7, description: 'one calendar month, YYYY-MM', examples: ['2026-05'] })),
  submitter: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'username of the member who submitted' })),
  category: Type.Optional(Category),
  hasCode: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 1,
      description: "`1`: only papers with a code repository (linked by a member or found in the paper's abstract or comment)",
    }),
  ),
  sort: Type.Optional(
    StringEnum(FEED_SORTS, {
      description:
        '`publishedAt` (by feed day, then upvotes), `trending` (by hotness), `stars` (GitHub stars of the repository) or `stars_gained` (stars gained in the last 7 days); papers without a star count come last',
      default: 'publishedAt',
    }),
  ),
  p: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PAGE, default: 0, description: 'page number, from 0' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, description: 'items per page' })),
});
export type DailyPapersQuerystring = Static<typeof DailyPapersQuery>;

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
    hasCode: q.hasCode === 1,
    sort: q.sort ?? 'publishedAt',
    page: q.p ?? 0,
    limit: q.limit ?? DEFAULT_LIMIT,
  };
}
