import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, describeConfig, loadConfig, SETTINGS } from './config.js';

test('each setting is parsed into its typed field: numbers, durations in ms, booleans, lists, enums', () => {
  const c = loadConfig({
    PORT: '8080',
    DIGEST_LEASE_SECONDS: '60',
    WORKER_POLL_MS: '250',
    SUBMIT_WEEKENDS: 'false',
    SERVICES: ' web , worker',
    FEED_AUTO_CATEGORIES: '',
  });
  assert.equal(c.port, 8080);
  assert.equal(c.digestLeaseMs, 60_000);
  assert.equal(c.workerPollMs, 250);
  assert.equal(c.submitWeekends, false);
  assert.deepEqual(c.services, ['web', 'worker']);
  assert.deepEqual(c.feedAutoCategories, []);
  assert.equal(c.baseUrl, 'http://localhost:8080');
});

test('unset settings take the table default, once', () => {
  const c = loadConfig({});
  assert.equal(c.embedderRetrainPercent, 25);
  assert.equal(c.submitDailyCap, 5);
  assert.equal(c.submitWeekends, true);
  assert.equal(c.digestLeaseMs, 300_000);
  assert.deepEqual(c.harvestSources, ['api', 'oai']);
  assert.equal(c.signups, 'open');
  // one field per declaration, no other
  assert.deepEqual(Object.keys(c).sort(), SETTINGS.map((s) => s.key).sort());
});

test('every bad value is reported at once, in the table order', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty', SUBMIT_WEEKENDS: 'maybe', HARVEST_TIME: '25:00', DIGEST_LEASE_SECONDS: '0', DATABASE_URL: 'mysql://x' }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.problems, [
        'PORT="eighty" is not a whole number',
        'DATABASE_URL must start with sqlite: or postgres://',
        'DIGEST_LEASE_SECONDS=0 is below 1',
        'HARVEST_TIME="25:00" is not HH:MM',
        'SUBMIT_WEEKENDS="maybe" must be one of true, false',
      ]);
      return true;
    },
  );
});

test('describeConfig prints the settings as given, marks defaults and hides secrets', () => {
  const text = describeConfig(loadConfig({ DIGEST_LEASE_SECONDS: '60', SESSION_SECRET: 's3cret', SERVICES: 'web, worker' }));
  assert.match(text, /DIGEST_LEASE_SECONDS "60"\n/);
  assert.match(text, /DIGEST_RETRY_MS\s+"2000" {2}\(default\)/);
  assert.match(text, /SERVICES\s+"web,worker"\n/);
  assert.match(text, /SESSION_SECRET\s+"\*\*\*\*"/);
  assert.ok(!text.includes('s3cret'));
});
