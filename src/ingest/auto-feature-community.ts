import type { User } from '../community/accounts.js';
import type { Community } from '../community/community.js';
import { CommunityError } from '../community/errors.js';
import type { FeedSubmitter } from './auto-feature.js';

// Auto-feature through the community's own submissions, as the "paperboy" system user, so the
// feed's rules (one feature per paper, SUBMIT_MAX_AGE_DAYS, SUBMIT_WEEKENDS) apply to it too;
// a paper a rule turns away is skipped, not an error.

export const SYSTEM_USERNAME = 'paperboy';
const SYSTEM_EMAIL = 'paperboy@system.invalid';

export function communitySubmitter({ accounts, submissions }: Pick<Community, 'accounts' | 'submissions'>): FeedSubmitter {
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
