import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { openApiDocument } from './openapi.js';

/** GET /openapi.json: the API description (OpenAPI 3.1). */
export function registerOpenApiShow(app: FastifyInstance, { config }: AppDeps) {
  const body = JSON.stringify(openApiDocument(config.baseUrl), null, 2);
  app.get('/openapi.json', (_req, reply) => reply.type('application/json; charset=utf-8').header('Access-Control-Allow-Origin', '*').send(body));
}
