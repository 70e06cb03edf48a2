import type { Thumbnail } from '../ingest/thumbnails.js';
import type { AppDeps } from './deps.js';

const NONE: ReadonlyMap<string, Thumbnail> = new Map();

/**
 * THUMBNAILS: the drawn thumbnails of the papers a page lists, by paper id, for their cards
 * (paperCard's `thumbnail`, the feed's cards). The papers never asked for are asked for now, so a
 * paper first seen on any page (a search, an author, a collection) gets drawn by the worker. Off,
 * or no papers: an empty map, and no query.
 */
export async function listedThumbnails(deps: Pick<AppDeps, 'thumbnails'>, ids: readonly string[]): Promise<ReadonlyMap<string, Thumbnail>> {
  if (!deps.thumbnails || !ids.length) return NONE;
  return deps.thumbnails.askFor([...ids]);
}
