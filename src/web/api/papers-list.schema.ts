// Input of GET /api/papers: an opaque keyset cursor (from the previous page's Link header) and a limit.
import { Type, type Static } from '@sinclair/typebox';
import { MAX_LIMIT } from '../../feed/daily.js';
import { BadRequest } from './daily-papers-list.schema.js';

export const DEFAULT_PAPERS_LIMIT = 50;

export const PapersListQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 200, description: "opaque position from the previous page's Link header" })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_PAPERS_LIMIT, description: 'papers per page' })),
  hasCode: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 1,
      description: "`1`: only papers with a code repository (linked by a member or found in the paper's abstract or comment)",
    }),
  ),
});
export type PapersListQuerystring = Static<typeof PapersListQuery>;

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
