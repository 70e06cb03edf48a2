import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AppDeps } from '../deps.js';
import { idOfThumbnailName } from '../../ingest/thumbnails.js';

/** A thumbnail's file name: the paper id with `_` for an old-style id's slash, then `.png`. */
const ThumbnailParams = Type.Object({ name: Type.String({ maxLength: 40, pattern: '^[A-Za-z0-9._-]+\\.png$' }) });

/**
 * GET /thumbnails/:id.png (THUMBNAILS=on): page 1 of a paper's PDF, drawn once by the worker. The
 * address never changes what it shows, so browsers and proxies keep it a year; 404 until drawn.
 */
export function registerThumbnailShow(app: FastifyInstance, { thumbnails }: AppDeps) {
  app.get<{ Params: Static<typeof ThumbnailParams> }>('/thumbnails/:name', { schema: { params: ThumbnailParams } }, async (req, reply) => {
    const id = idOfThumbnailName(req.params.name);
    const image = thumbnails && id ? await thumbnails.read(id) : null;
    if (!image) return reply.code(404).type('text/plain; charset=utf-8').send('No thumbnail here.');
    return reply.header('Cache-Control', 'public, max-age=31536000, immutable').type('image/png').send(image);
  });
}
