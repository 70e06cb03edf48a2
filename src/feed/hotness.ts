// Trending: how "hot" a submission is, from its upvotes and its age, in the style of Lobsters'
// Story#calculated_hotness.
//
//   hotness = log10(upvotes + SUBMITTER_POINTS) + (submittedAt - HOTNESS_EPOCH) / HOTNESS_WINDOW
//
// Points count logarithmically, so the tenth vote matters as much as the hundredth to the
// thousandth; each HOTNESS_WINDOW of age costs one order of magnitude of points: a submission
// HOTNESS_WINDOW_HOURS (22) hours younger ranks level with one that has ten times the points.
// Age enters as "time since a fixed epoch" rather than "time until now": that orders any two
// submissions exactly as `log10(points) - age / window` would at every instant, but the value
// never changes while nobody votes, so it can be stored in an indexed column
// (submissions.hotness) and recomputed only in the transaction of each vote.

/** Each submission starts with one point, its submitter's, so zero upvotes gives log10(1) = 0. */
export const SUBMITTER_POINTS = 1;
/** Age, in hours, that cancels a tenfold difference in points (Lobsters uses 22 hours too). */
export const HOTNESS_WINDOW_HOURS = 22;
/** The same window in milliseconds. */
export const HOTNESS_WINDOW_MS = HOTNESS_WINDOW_HOURS * 60 * 60 * 1000;
/** Zero point of the age term (a fixed instant, so stored values stay comparable forever). */
export const HOTNESS_EPOCH = Date.parse('2020-01-01T00:00:00.000Z');
/** Decimal places kept, as Lobsters rounds to 7: stable values across both databases. */
export const HOTNESS_DECIMALS = 7;

/**
 * The hotness of a submission with `upvotes` votes submitted at `submittedAt` (ISO string or
 * Date). Pure: the same inputs give the same number, and higher means more trending.
 */
export function hotness(upvotes: number, submittedAt: string | Date): number {
  const at = typeof submittedAt === 'string' ? Date.parse(submittedAt) : submittedAt.getTime();
  if (!Number.isFinite(at)) throw new Error(`hotness: bad submission time ${String(submittedAt)}`);
  const points = Math.max(0, upvotes) + SUBMITTER_POINTS;
  const value = Math.log10(points) + (at - HOTNESS_EPOCH) / HOTNESS_WINDOW_MS;
  const scale = 10 ** HOTNESS_DECIMALS;
  return Math.round(value * scale) / scale;
}
