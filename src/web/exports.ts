import type { FastifyReply } from 'fastify';
import type { Paper } from '../papers/paper.js';
import type { CachedPage } from './page-cache.js';
import { EXPORT_FORMATS, EXPORT_TYPES, type ExportFormat, exportPapers, isExportFormat } from '../papers/citation.js';

// Every list of papers (a collection, a feed page, a search) exports at its own URL with
// `?format=bibtex|ris|csl-json` (docs/http.md); the formats and the citation keys are src/papers/citation.ts's.

/** Papers a feed or search export carries at most (a collection exports whole). */
export const MAX_LIST_EXPORT = 1000;

/** `?format=`: absent (an HTML page), a format, or a message for a 400. */
export function exportFormatOf(query: unknown): ExportFormat | null | { error: string } {
  const raw = (query as Record<string, unknown> | null)?.format;
  if (raw === undefined || raw === '') return null;
  if (isExportFormat(raw)) return raw;
  return { error: `export: format must be one of ${EXPORT_FORMATS.join(', ')} (got "${String(Array.isArray(raw) ? raw.join(',') : raw).slice(0, 40)}")` };
}

/** The list as a download named `<name>.<ext>`. */
export function sendExport(reply: FastifyReply, papers: Paper[], format: ExportFormat, name: string) {
  const d = exportDownload(papers, format, name);
  return reply
    .type(d.contentType)
    .headers(d.headers ?? {})
    .send(d.body);
}

/** The papers as a download in `format`, encoded once (so the page cache can hold it). */
export function exportDownload(papers: Paper[], format: ExportFormat, name: string): CachedPage {
  const { contentType, ext } = EXPORT_TYPES[format];
  const file = `${name.replace(/[^a-zA-Z0-9._-]+/g, '-').slice(0, 80) || 'papers'}.${ext}`;
  return { contentType, body: Buffer.from(exportPapers(papers, format)), headers: { 'Content-Disposition': `attachment; filename="${file}"` } };
}

/** Links to a list's exports: the same URL and query with format= added. */
export function exportHref(url: string, format: ExportFormat): string {
  const u = new URL(url, 'http://local.invalid');
  u.searchParams.delete('p');
  u.searchParams.set('format', format);
  return u.pathname + u.search;
}
