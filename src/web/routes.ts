import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './app.js';
import { registerHealthz } from './api/healthz.js';
import { registerHome } from './pages/home.js';
import { registerPaperShow } from './pages/paper-show.js';
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

export type RouteModule = (app: FastifyInstance, deps: AppDeps) => void | Promise<void>;

/** Every page and endpoint, one module each; add new ones here. */
export const ROUTES: RouteModule[] = [
  registerHealthz,
  registerHome,
  registerPaperShow,
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
];
