import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is compiled to dist/src/testing/). */
export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));
/** ../shared/data beside the checkout: real data for tests. */
export const SHARED_DATA = process.env.PAPERBOY_SHARED_DATA ?? path.resolve(REPO_ROOT, '../shared/data');
