import type { Paper } from '../../papers/paper.js';
import { absUrl } from '../../papers/arxiv-id.js';

/** One paper in API responses (the daily papers shape): rows never leak into JSON. */
export function presentPaper(p: Paper, extra: Record<string, unknown> = {}) {
  return {
    id: p.id,
    version: p.version,
    title: p.title,
    summary: p.abstract,
    authors: p.authors.map((name) => ({ name })),
    categories: p.categories,
    publishedAt: p.publishedAt,
    updatedAt: p.updatedAt,
    url: absUrl(p.id),
    githubRepo: p.githubRepo,
    projectPage: p.projectPage,
    ...extra,
  };
}
