import type { Config } from '../config.js';
import type { Database } from '../storage/database.js';
import type { PaperStore } from '../papers/store.js';
import { createAccounts, type User } from '../community/accounts.js';
import { CommunityError } from '../community/errors.js';
import { createSubmissions } from '../community/submissions.js';
import { submissionRules } from '../community/community.js';
import type { FeedSubmitter } from './auto-feature.js';

// Auto-feature through the community's own submissions, as the "paperboy" system user, so the
// feed's rules (one feature per paper, SUBMIT_MAX_AGE_DAYS, SUBMIT_WEEKENDS) apply to it too;
// a paper a rule turns away is skipped, not an error.

export const SYSTEM_USERNAME = 'paperboy';
const SYSTEM_EMAIL = 'paperboy@system.invalid';

export function communitySubmitter(deps: { config: Config; database: Database; papers: PaperStore }, now: () => Date = () => new Date()): FeedSubmitter {
  const accounts = createAccounts(deps.database, now);
  const submissions = createSubmissions(deps.database, deps.papers, submissionRules(deps.config), { now });
  let system: User | null = null;
  const systemUser = async (): Promise<User> => {
    if (system) return system;
    system = await accounts.getByUsername(SYSTEM_USERNAME);
    if (!system) {
      // Two workers may both create it; the loser reads the winner's row.
      system = await accounts
        .createUser({ email: SYSTEM_EMAIL, username: SYSTEM_USERNAME, displayName: 'Paperboy (auto-feature)', role: 'system' })
        .catch(async () => (await accounts.getByUsername(SYSTEM_USERNAME))!);
    }
    return system!;
  };
  return {
    async submitAsSystem(paperIds) {
      const user = await systemUser();
      let added = 0;
      for (const id of paperIds) {
        try {
          await submissions.submit(user, { paper: id });
          added++;
        } catch (e) {
          if (e instanceof CommunityError && (e.status === 409 || e.status === 422)) continue;
          throw e;
        }
      }
      return added;
    },
  };
}
