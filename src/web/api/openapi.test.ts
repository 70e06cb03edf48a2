import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../../testing/test-app.js';
import { loadConfig } from '../../config.js';
import { createPaperStore } from '../../papers/store.js';
import { buildPaper } from '../../papers/paper.js';
import { freshDatabase, type TestDatabase } from '../../testing/databases.js';
import { addSubmission, addUser } from '../../testing/feed-fixtures.js';
import type { OpenApiDocument, RegisteredRoute } from './openapi.js';
import { DailyPaper, Paper } from './schemas.js';

/** /api/ routes that are not in the document on purpose, and why. */
const UNDOCUMENTED: Record<string, string> = {
  'GET /api/docs': 'the HTML reference that renders the document',
  'GET /api/papers/:archive/:number': 'old-style ids (hep-th/9901001) of GET /api/papers/{arxivId}',
  'GET /api/papers/:archive/:number/similar': 'old-style ids of GET /api/papers/{arxivId}/similar',
};

/** Where the document and the routes disagree, one line each; empty when they agree. */
function disagreements(routes: readonly RegisteredRoute[], doc: OpenApiDocument): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const r of routes) {
    const key = `${r.method} ${r.url}`;
    if (!r.url.startsWith('/api/') || UNDOCUMENTED[key]) continue;
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const op = doc.paths[path]?.[r.method.toLowerCase()];
    seen.add(`${r.method.toLowerCase()} ${path}`);
    if (!r.schema?.tags?.length || !op) {
      out.push(`${key}: not in the document (give the route a schema with operationId, tags and summary)`);
      continue;
    }
    if (!op.operationId || !op.summary) out.push(`${key}: no operationId or summary`);
    const params = op.parameters ?? [];
    for (const name of [...r.url.matchAll(/:(\w+)/g)].map((m) => m[1])) {
      const p = params.find((x) => x.in === 'path' && x.name === name);
      if (!p?.description) out.push(`${key}: path parameter ${name} is not described`);
    }
    const query = (r.schema.querystring as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
    const documented = params.filter((x) => x.in === 'query').map((x) => x.name);
    assert.deepEqual(documented.sort(), Object.keys(query).sort(), `${key}: query parameters`);
    for (const p of params) if (!p.description) out.push(`${key}: parameter ${p.name} has no description`);
    if (r.schema.body && !op.requestBody) out.push(`${key}: body not documented`);
    const statuses = Object.keys(op.responses);
    if (!statuses.some((s) => /^[23]/.test(s))) out.push(`${key}: no success response`);
    for (const [s, res] of Object.entries(op.responses))
      if (!res.description || res.description === 'Default Response') out.push(`${key}: response ${s} has no description`);
  }
  // And nothing documented that no route answers.
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops))
      if (path.startsWith('/api/') && !seen.has(`${method} ${path}`)) out.push(`${method.toUpperCase()} ${path}: documented, but no such route`);
  }
  return out;
}

async function newApp(db: TestDatabase) {
  return (await buildTestApp({ config: loadConfig({ LOG_LEVEL: 'silent', BASE_URL: 'http://paperboy.test' }), database: db })).app;
}

describe('/openapi.json is generated from the routes', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let doc: OpenApiDocument;
  before(async () => {
    db = await freshDatabase('sqlite');
    await createPaperStore(db).upsertMany([
      buildPaper({ id: '2605.00002', title: 'Grasping in clutter', categories: ['cs.RO', 'cs.LG'] }),
      buildPaper({ id: '2605.00003', title: 'Grasping, again' }),
    ]);
    const ada = await addUser(db, 'ada', 'Ada');
    await addSubmission(db, {
      paperId: '2605.00002',
      feedDay: '2026-05-29',
      submittedBy: ada,
      upvotes: 3,
      comment: 'nice',
      githubRepo: 'https://example.org/r',
    });
    app = await newApp(db);
    doc = (await app.inject('/openapi.json')).json();
  });
  after(async () => {
    await app.close();
    await db.destroy();
  });

  test('every /api/ route is in the document with its parameters, and nothing else is', () => {
    assert.deepEqual(disagreements(app.registeredRoutes, doc), []);
    // The exceptions are still routes (a renamed one would leave a stale entry here).
    for (const key of Object.keys(UNDOCUMENTED))
      assert.ok(
        app.registeredRoutes.some((r) => `${r.method} ${r.url}` === key),
        key,
      );
  });

  test('a route registered without a schema is caught', async () => {
    const other = await newApp(db);
    try {
      other.get('/api/undocumented', async () => ({}));
      other.get<{ Params: { id: string } }>('/api/things/:id', { schema: { tags: ['papers'], summary: 'A thing' } as object }, async () => ({}));
      const found = disagreements(other.registeredRoutes, (await other.inject('/openapi.json')).json());
      assert.ok(
        found.some((x) => x.startsWith('GET /api/undocumented: not in the document')),
        found.join('\n'),
      );
      assert.ok(
        found.some((x) => x.startsWith('GET /api/things/:id: no operationId')),
        found.join('\n'),
      );
      assert.ok(
        found.some((x) => x.startsWith('GET /api/things/:id: path parameter id is not described')),
        found.join('\n'),
      );
    } finally {
      await other.close();
    }
  });

  test('the shared pieces are one definition: category and featured read alike everywhere', async () => {
    const param = (path: string, name: string) => doc.paths[path].get.parameters!.find((p) => p.name === name)!.schema;
    assert.deepEqual(param('/api/daily_papers', 'category'), param('/api/papers/search', 'category'));
    // featured: what the search form and clients send, all documented and all accepted.
    assert.deepEqual(param('/api/papers/search', 'featured').enum, ['1', 'true', 'on', '0', 'false']);
    for (const v of ['1', 'true', 'on', '0', 'false', '']) assert.equal((await app.inject(`/api/papers/search?q=grasping&featured=${v}`)).statusCode, 200, v);
    const featuredOnly = (await app.inject('/api/papers/search?q=grasping&featured=on')).json();
    assert.deepEqual(
      featuredOnly.map((x: { paper: { id: string } }) => x.paper.id),
      ['2605.00002'],
    );
    for (const url of [
      '/api/daily_papers?category=cs.RO',
      '/api/papers/search?q=grasping&category=cs.RO',
      '/papers/trending?category=cs.RO',
      '/search?q=grasping&category=cs.RO',
    ]) {
      assert.equal((await app.inject(url)).statusCode, 200, url);
    }
    for (const url of [
      '/api/daily_papers?category=cs..RO',
      '/api/papers/search?q=grasping&category=cs..RO',
      '/papers/trending?category=cs..RO',
      '/search?q=grasping&category=cs..RO',
    ]) {
      assert.equal((await app.inject(url)).statusCode, 400, url);
    }
  });

  test('the answers have the documented fields, and no field the document lacks', async () => {
    const fields = (schema: { properties: Record<string, unknown>; required?: string[] }, item: Record<string, unknown>, extra: string[] = []) => {
      for (const k of Object.keys(item)) assert.ok(k in schema.properties || extra.includes(k), `undocumented field ${k}`);
      for (const k of schema.required ?? []) assert.ok(k in item, `missing field ${k}`);
    };
    const daily = (await app.inject('/api/daily_papers')).json();
    assert.equal(daily.length, 1);
    fields(DailyPaper, daily[0]);
    fields(Paper, daily[0].paper);
    fields(Paper, (await app.inject('/api/papers/2605.00002')).json());
    for (const hit of (await app.inject('/api/papers/search?q=grasping')).json()) {
      fields(DailyPaper, hit, ['score']);
      fields(Paper, hit.paper);
    }
  });

  test('input the schemas reject: 400 JSON naming the module and the field', async () => {
    for (const [url, message] of [
      ['/api/daily_papers?limit=101', 'daily_papers: limit must be <= 100'],
      ['/api/daily_papers?sort=hot', 'daily_papers: sort must be one of publishedAt, trending, stars, stars_gained'],
      ['/api/papers?limit=0', 'papers: limit must be >= 1'],
      ['/api/papers/search?q=a&limit=121', 'search: limit must be a whole number from 1 to 120'],
      ['/api/papers/2605.00002/similar?limit=51', 'search: limit must be 1 to 50'],
    ] as const) {
      const r = await app.inject(url);
      assert.equal(r.statusCode, 400, url);
      assert.deepEqual(r.json(), { error: 'Bad Request', message }, url);
    }
    assert.match((await app.inject('/api/daily_papers?category=cs..LG')).json().message, /^daily_papers: category must match pattern/);
    // Numbers in decimal digits only, one reading for every route (issue #24): Number() read 0x10 as 16,
    // and Infinity or 1e309 passed the schema's range and failed in the query with a 500.
    for (const [url, message] of [
      ['/api/daily_papers?p=Infinity', 'daily_papers: p must be a whole number from 0 to 1000'],
      ['/api/daily_papers?p=1e309', 'daily_papers: p must be a whole number from 0 to 1000'],
      ['/api/daily_papers?limit=Infinity', 'daily_papers: limit must be a whole number from 1 to 100'],
      ['/api/daily_papers?limit=0x10', 'daily_papers: limit must be a whole number from 1 to 100'],
      ['/api/daily_papers?p=1e2', 'daily_papers: p must be a whole number from 0 to 1000'],
      ['/api/daily_papers?p=99999999999999999999', 'daily_papers: p must be a whole number from 0 to 1000'],
      ['/api/papers?limit=1e309', 'papers: limit must be a whole number from 1 to 100'],
      ['/api/papers?limit=%2010', 'papers: limit must be a whole number from 1 to 100'],
      ['/api/papers/search?q=a&limit=0x10', 'search: limit must be a whole number from 1 to 120'],
      ['/api/papers/2605.00002/similar?limit=0x10', 'search: limit must be 1 to 50'],
      // Dates as /api/daily_papers reads them: a real calendar day.
      ['/api/papers/search?q=a&from=2025-02-30', 'search: from and to must be dates like 2025-06-30'],
      ['/api/papers/search?q=a&from=2025-13-01', 'search: from and to must be dates like 2025-06-30'],
      ['/api/papers/search?q=a&to=0000-00-00', 'search: from and to must be dates like 2025-06-30'],
      ['/api/daily_papers?date=2025-02-30', 'daily_papers: period: date "2025-02-30" is not a real calendar day'],
    ] as const) {
      const r = await app.inject(url);
      assert.equal(r.statusCode, 400, url);
      assert.deepEqual(r.json(), { error: 'Bad Request', message }, url);
    }
    assert.equal((await app.inject('/api/daily_papers?p=0&limit=016')).statusCode, 200);
    assert.equal((await app.inject('/api/papers/search?q=a&from=2024-02-29&limit=16')).statusCode, 200);
    const body = await app.inject({ method: 'POST', url: '/api/papers/submit', payload: { nope: 1 } });
    assert.deepEqual(body.json(), { error: 'Bad Request', message: "community: body must have required property 'arxivId'" });
  });

  test('/api/docs renders the generated document', async () => {
    const page = await app.inject('/api/docs');
    assert.equal(page.statusCode, 200);
    for (const op of Object.values(doc.paths).flatMap((ops) => Object.values(ops))) assert.ok(page.body.includes(`id="${op.operationId}"`), op.operationId);
    for (const name of Object.keys(doc.components.schemas)) assert.ok(page.body.includes(`id="schema-${name}"`), name);
    // Enums read as lists, defaults are shown.
    assert.ok(page.body.includes('string: 1, true, on, 0, false'));
    assert.ok(page.body.includes('Default <code>30</code>'));
  });
});
