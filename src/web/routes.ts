import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './app.js';
import { registerHealthz } from './api/healthz.js';
import { registerHome } from './pages/home.js';
import { registerPaperShow } from './pages/paper-show.js';
import { registerSearchPage } from './pages/search.js';
import { registerPapersSearch } from './api/papers-search.js';
import { registerPaperSimilar } from './api/paper-similar.js';

export type RouteModule = (app: FastifyInstance, deps: AppDeps) => void | Promise<void>;

/** Every page and endpoint, one module each; add new ones here. */
export const ROUTES: RouteModule[] = [registerHealthz, registerHome, registerPaperShow, registerSearchPage, registerPapersSearch, registerPaperSimilar];
