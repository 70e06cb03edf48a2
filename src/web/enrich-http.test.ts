import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../config.js';
import { freshDatabase, type TestDatabase } from '../testing/databases.js';
import { buildTestApp } from '../testing/test-app.js';
import { addPapers } from '../digest/fixtures.js';

// The one-line summary over HTTP: ai_summary / ai_summary_model on API items and in /openapi.json,
// and the labelled extractive sentence on the paper page, escaped. It is computed when read, so one
// dialect covers it.

describe('extractive summaries over HTTP', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const abstract =
    'Attention is costly on long inputs. We propose Kern, a kernel for sparse attention with $O(n \\log n)$ cost & <b>no</b> tricks. Experiments show a 2x speed-up.';

  before(async () => {
    db = await freshDatabase('sqlite');
    await addPapers(db, [
      { id: '2603.00601', day: '2026-03-10', title: 'Kernels for sparse attention', abstract, submitted: { day: '2026-03-10', upvotes: 3 } },
    ]);
    app = (await buildTestApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), database: db })).app;
  });
  after(async () => {
    await app.close();
    await db.destroy();
  });

  const sentence = 'We propose Kern, a kernel for sparse attention with $O(n \\log n)$ cost & <b>no</b> tricks.';

  test('API items carry ai_summary (the contribution sentence) and ai_summary_model "extractive"', async () => {
    const daily = (await app.inject({ method: 'GET', url: '/api/daily_papers?date=2026-03-10' })).json();
    assert.equal(daily[0].paper.ai_summary, sentence);
    assert.equal(daily[0].paper.ai_summary_model, 'extractive');
    assert.ok(daily[0].paper.ai_keywords.includes('sparse attention'), daily[0].paper.ai_keywords.join(' | '));
    assert.ok(daily[0].paper.ai_keywords.length >= 3);
    const one = (await app.inject({ method: 'GET', url: '/api/papers/2603.00601' })).json();
    assert.equal(one.ai_summary ?? one.paper?.ai_summary, sentence);
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).body;
    assert.match(spec, /"ai_summary"/);
    assert.match(spec, /"ai_summary_model"/);
    assert.match(spec, /"ai_keywords"/);
  });

  test('the paper page shows the sentence, labelled as extractive, with <, & escaped', async () => {
    const res = await app.inject({ method: 'GET', url: '/papers/2603.00601' });
    assert.equal(res.statusCode, 200);
    const block = res.body.match(/<p class="ai-summary">[\s\S]*?<\/p>/)?.[0] ?? '';
    assert.match(block, /Extractive summary/);
    assert.match(block, /We propose Kern, a kernel for sparse attention with \$O\(n \\log n\)\$ cost &amp; &lt;b&gt;no&lt;\/b&gt; tricks\./);
    assert.doesNotMatch(block, /<b>no/);
  });

  test('the paper page and feed cards show the keywords as chips linking to search', async () => {
    const res = await app.inject({ method: 'GET', url: '/papers/2603.00601' });
    const chips = res.body.match(/<p class="keywords"[\s\S]*?<\/p>/)?.[0] ?? '';
    assert.match(chips, /<a class="chip" href="\/search\?q=sparse%20attention">sparse attention<\/a>/);
    const day = await app.inject({ method: 'GET', url: '/papers/date/2026-03-10' });
    assert.match(day.body.match(/<p class="keywords"[\s\S]*?<\/p>/)?.[0] ?? '', /href="\/search\?q=sparse%20attention"/, 'on the feed card too');
  });
});
