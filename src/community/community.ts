import type { Config } from '../config.js';
import type { Database } from '../storage/database.js';
import type { PaperStore } from '../papers/store.js';
import { createAccounts, type Accounts } from './accounts.js';
import { createSubmissions, type PaperFetcher, type SubmissionRules, type Submissions } from './submissions.js';
import { createVotes, type Votes } from './votes.js';
import { createComments, type Comments } from './comments.js';
import { createClaims, type Claims } from './claims.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';

// The community half of the product, built once in the composition root (or by buildApp when
// a test does not pass one) from the database, the papers store and the settings.

export interface Community {
  accounts: Accounts;
  submissions: Submissions;
  votes: Votes;
  comments: Comments;
  claims: Claims;
  /** whether an unknown email may create an account by signing in (SIGNUPS=open) */
  signupsOpen: boolean;
  limits: {
    /** sign-in link requests per client address */
    signinPerClient: RateLimiter;
    /** sign-in link requests per email address */
    signinPerEmail: RateLimiter;
    /** submission attempts per member (web and API) */
    submitPerUser: RateLimiter;
  };
}

const HOUR_MS = 60 * 60 * 1000;

export function submissionRules(config: Config): SubmissionRules {
  return {
    feedTimezone: config.feedTimezone,
    maxAgeDays: config.submitMaxAgeDays,
    dailyCap: config.submitDailyCap,
    weekends: config.submitWeekends,
  };
}

export function createCommunity(database: Database, papers: PaperStore, config: Config, options: { now?: () => Date; fetcher?: PaperFetcher } = {}): Community {
  const now = options.now ?? (() => new Date());
  // Each limiter's name (its setting's) is hashed into its keys in the database: keep it.
  const perHour = (name: string, limit: number) => createRateLimiter(database, { name, limit, windowMs: HOUR_MS, now: () => now().getTime() });
  return {
    accounts: createAccounts(database, now),
    submissions: createSubmissions(database, papers, submissionRules(config), { now, fetcher: options.fetcher }),
    votes: createVotes(database, now),
    comments: createComments(database, now),
    claims: createClaims(database, now),
    signupsOpen: config.signups === 'open',
    limits: {
      signinPerClient: perHour('SIGNIN_RATE_LIMIT', config.signinRateLimit),
      signinPerEmail: perHour('SIGNIN_EMAIL_RATE_LIMIT', config.signinEmailRateLimit),
      submitPerUser: perHour('SUBMIT_RATE_LIMIT', config.submitRateLimit),
    },
  };
}
