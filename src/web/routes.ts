import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './app.js';
import { registerHealthz } from './api/healthz.js';
import { registerHome } from './pages/home.js';
import { registerPaperShow } from './pages/paper-show.js';
import { registerSubscribe } from './pages/subscribe.js';
import { registerSubscribeConfirm } from './pages/subscribe-confirm.js';
import { registerDigestManage } from './pages/digest-manage.js';
import { registerDigestUnsubscribe } from './api/digest-unsubscribe.js';

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
];
