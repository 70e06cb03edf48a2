import type { Config } from '../config.js';
import type { Database } from '../storage/database.js';
import type { PaperStore } from '../papers/store.js';
import type { SearchService } from '../search/service.js';
import type { SearchAnswers } from '../search/answers.js';
import type { Community } from '../community/community.js';
import type { RateLimiter } from '../community/rate-limit.js';
import type { Mailer } from '../digest/mailer.js';
import type { DigestService } from '../digest/service.js';
import type { JobState } from '../jobs/runner.js';
import type { HarvestStore } from '../ingest/harvest-store.js';
import type { PageCache } from './page-cache.js';
import type { RecommendService } from '../recommend/service.js';
import type { AuthorIndex } from '../follow/author-index.js';
import type { Follows } from '../follow/follows.js';
import type { PaperOnDemand } from '../ingest/on-demand.js';
import type { Thumbnails } from '../ingest/thumbnails.js';

// What request handlers use: every service built once by the composition root (src/main.ts;
// tests get the same wiring from src/testing/test-app.ts). Kept apart from app.ts so that no
// handler imports the module that registers it.

/** subscribe requests per address per 15 minutes, and per client per hour */
export interface SubscribeLimits {
  perAddress: RateLimiter;
  perClient: RateLimiter;
}

export interface AppDeps {
  config: Config;
  database: Database;
  papers: PaperStore;
  search: SearchService;
  /** searches as the web answers them: repeated ones from a cache, a bounded number at once (src/search/answers.ts) */
  searchAnswers: SearchAnswers;
  community: Community;
  /** For you: a member's signals, their ranking, imports (src/recommend/service.ts) */
  recommend: RecommendService;
  /** author names as keys (src/follow/author-index.ts) */
  authors: AuthorIndex;
  /** what members follow, and what that brings (src/follow/follows.ts) */
  follows: Follows;
  /** the process's one mailer: sign-in links here, digests and subscription mail through `digests` */
  mailer: Mailer;
  digests: DigestService;
  subscribeLimits: SubscribeLimits;
  /** signs the CSRF tokens */
  sessionSecret: string;
  /** rendered anonymous pages (src/web/page-cache.ts) */
  pageCache: PageCache;
  /** the harvest windows' state (for /healthz and /metrics) */
  harvestWindows: HarvestStore;
  /** any arXiv id on demand: a paper not stored is fetched from arXiv (once per id at a time) and stored */
  onDemand: PaperOnDemand;
  /** THUMBNAILS: page 1 of papers' PDFs, drawn by a worker job (src/ingest/thumbnails.ts); null when off */
  thumbnails: Thumbnails | null;
  /** this process's job runner, per job kind (for /healthz and /metrics) */
  jobs: { states(): JobState[] };
}
