import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { openApiDocument } from './openapi.js';

/** GET /openapi.json: the API description (OpenAPI 3.1), generated from the routes' schemas. */
export function registerOpenApiShow(app: FastifyInstance, _deps: AppDeps) {
  // Built on the first request: the document exists once every route is registered.
  let body: string | undefined;
  app.get('/openapi.json', (_req, reply) => {
    body ??= JSON.stringify(openApiDocument(app), null, 2);
    return reply.type('application/json; charset=utf-8').header('Access-Control-Allow-Origin', '*').send(body);
  });
}
