// Input of GET /api/papers: an opaque keyset cursor (from the previous page's Link header) and a limit.
import { MAX_LIMIT } from '../../feed/daily.js';
import { BadRequest } from './daily-papers-list.schema.js';

export const DEFAULT_PAPERS_LIMIT = 50;

export interface PapersListQuerystring {
  cursor?: string;
  limit?: number;
}

export const papersListQuerySchema = {
  type: 'object',
  properties: {
    cursor: { type: 'string', maxLength: 200 },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
  },
} as const;

export interface PaperCursor {
  publishedAt: string;
  id: string;
}

export function encodeCursor(c: PaperCursor): string {
  return Buffer.from(JSON.stringify([c.publishedAt, c.id])).toString('base64url');
}

export function decodeCursor(text: string): PaperCursor {
  try {
    const [publishedAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof publishedAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(publishedAt)) && id.length <= 40) return { publishedAt, id };
  } catch {
    // fall through: any undecodable cursor is the client's mistake
  }
  throw new BadRequest('papers: cursor is not one this server handed out');
}
