// Whole numbers in query strings are read by util/strict-input.ts for every route with a schema. Fastify's
// validator coerces with Number(), so `p=0x10` was read as 16 and `p=Infinity` or `limit=1e309` passed as
// Infinity (Ajv's range checks let it through) and failed deep in a query with a 500. A check before
// Fastify's refuses such text with a 400 worded as the route's other schema errors.
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { parseWholeNumber } from '../util/strict-input.js';

interface IntegerField {
  key: string;
  minimum?: number;
  maximum?: number;
}

type Properties = Record<string, { type?: unknown; minimum?: number; maximum?: number }>;

function integerFields(schema: unknown): IntegerField[] {
  const properties = (schema as { properties?: Properties } | undefined)?.properties ?? {};
  return Object.entries(properties)
    .filter(([, p]) => p.type === 'integer')
    .map(([key, p]) => ({ key, minimum: p.minimum, maximum: p.maximum }));
}

function problem(route: RouteOptions, field: IntegerField): Error {
  const range = field.minimum !== undefined && field.maximum !== undefined ? ` from ${field.minimum} to ${field.maximum}` : '';
  const message = `must be a whole number${range}`;
  const err: Error & { statusCode?: number } = route.schemaErrorFormatter
    ? route.schemaErrorFormatter([{ instancePath: `/${field.key}`, keyword: 'type', message, params: {}, schemaPath: '' }], 'querystring')
    : new Error(`querystring/${field.key} ${message}`);
  err.statusCode = 400;
  return err;
}

/** Before any route is added: each route whose query string has whole-number fields checks their text first. */
export function installStrictNumbers(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    // A route with a validator of its own (api/schemas.ts checkedInHandler) reads its numbers itself, strictly too.
    if (route.validatorCompiler) return;
    const fields = integerFields(route.schema?.querystring);
    if (fields.length === 0) return;
    const check = async (req: FastifyRequest) => {
      const query = (req.query ?? {}) as Record<string, unknown>;
      for (const field of fields) {
        const raw = query[field.key];
        for (const text of Array.isArray(raw) ? raw : [raw]) {
          if (typeof text === 'string' && parseWholeNumber(text) === null) throw problem(route, field);
        }
      }
    };
    const before = route.preValidation;
    route.preValidation = before === undefined ? [check] : [...(Array.isArray(before) ? before : [before]), check];
  });
}
