import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './deps.js';
import { registerHealthz } from './api/healthz.js';
import { registerMetrics } from './api/metrics.js';
import { registerPaperShow } from './pages/paper-show.js';
import { registerThumbnailShow } from './pages/thumbnail-show.js';
import { registerFeedHome } from './pages/feed-home.js';
import { registerFeedDay } from './pages/feed-day.js';
import { registerFeedWeek } from './pages/feed-week.js';
import { registerFeedMonth } from './pages/feed-month.js';
import { registerFeedTrending } from './pages/feed-trending.js';
import { registerPapersFeed } from './feeds/papers-feed.js';
import { registerDailyPapersList } from './api/daily-papers-list.js';
import { registerPaperGet } from './api/paper-get.js';
import { registerPapersList } from './api/papers-list.js';
import { registerOpenApiShow } from './api/openapi-show.js';
import { registerApiDocs } from './pages/api-docs.js';
import { registerAbout } from './pages/about.js';
import { registerSubscribe } from './pages/subscribe.js';
import { registerSubscribeConfirm } from './pages/subscribe-confirm.js';
import { registerDigestManage } from './pages/digest-manage.js';
import { registerDigestUnsubscribe } from './api/digest-unsubscribe.js';
import { registerSignin } from './pages/signin.js';
import { registerPaperSubmit } from './pages/paper-submit.js';
import { registerPaperUpvote } from './pages/paper-upvote.js';
import { registerCommentWrite } from './pages/comment-write.js';
import { registerClaimWrite } from './pages/claim-write.js';
import { registerPaperBibtex } from './pages/paper-bibtex.js';
import { registerUserShow } from './pages/user-show.js';
import { registerSubmissionFeature } from './pages/submission-feature.js';
import { registerApiPaperSubmit } from './api/paper-submit.js';
import { registerApiPaperUpvote } from './api/paper-upvote.js';
import { registerSearchPage } from './pages/search.js';
import { registerPapersSearch } from './api/papers-search.js';
import { registerPaperSimilar } from './api/paper-similar.js';
import { registerRecommendationsList } from './api/recommendations-list.js';
import { registerRecommendationsRank } from './api/recommendations-rank.js';
import { registerLibraryImport } from './api/library-import.js';
import { registerApiPaperSignals } from './api/paper-signals.js';
import { registerForYou } from './pages/for-you.js';
import { registerPaperSignals } from './pages/paper-signals.js';
import { registerAccountExport } from './pages/account-export.js';
import { registerAccountDelete } from './pages/account-delete.js';
import { registerApiAccountDelete } from './api/account-delete.js';
import { registerMoreFeeds } from './feeds/more-feeds.js';
import { registerAuthorShow } from './pages/author-show.js';
import { registerFollowing } from './pages/following.js';
import { registerApiFollows } from './api/follows.js';
import { registerCollectionShow } from './pages/collection-show.js';
import { registerCollectionWrite } from './pages/collection-write.js';
import { registerApiCollections } from './api/collections.js';

export type RouteModule = (app: FastifyInstance, deps: AppDeps) => void | Promise<void>;

/** Every page and endpoint, one module each; add new ones here. */
export const ROUTES: RouteModule[] = [
  registerHealthz,
  registerPaperShow,
  registerThumbnailShow,
  // search
  registerSearchPage,
  registerPapersSearch,
  registerPaperSimilar,
  // feed: pages, Atom feeds, JSON API
  registerFeedHome,
  registerFeedDay,
  registerFeedWeek,
  registerFeedMonth,
  registerFeedTrending,
  registerPapersFeed,
  registerDailyPapersList,
  registerPaperGet,
  registerPapersList,
  registerOpenApiShow,
  registerApiDocs,
  registerAbout,
  // email digests
  registerSubscribe,
  registerSubscribeConfirm,
  registerDigestManage,
  registerDigestUnsubscribe,
  // community
  registerSignin,
  registerPaperSubmit,
  registerPaperUpvote,
  registerCommentWrite,
  registerClaimWrite,
  registerPaperBibtex,
  registerUserShow,
  registerSubmissionFeature,
  registerApiPaperSubmit,
  registerApiPaperUpvote,
  // for you
  registerForYou,
  registerPaperSignals,
  registerAccountExport,
  registerAccountDelete,
  registerApiAccountDelete,
  registerRecommendationsList,
  registerRecommendationsRank,
  registerLibraryImport,
  registerApiPaperSignals,
  // authors, following, feeds of a search, an author, a member
  registerMoreFeeds,
  registerAuthorShow,
  registerFollowing,
  registerApiFollows,
  // collections
  registerCollectionShow,
  registerCollectionWrite,
  registerApiCollections,
  // observability
  registerMetrics,
];
