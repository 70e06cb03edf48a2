import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, describeConfig, loadConfig, SETTINGS, trustProxyOption } from './config.js';

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

test('describeConfig hides the password in every URL-valued setting, not only the secret ones', () => {
  const text = describeConfig(
    loadConfig({
      EMBEDDER: 'http:http://embed-user:Emb3d-pw@127.0.0.1:8080/v1',
      ARXIV_API_URL: 'https://arxiv-user:Arx1v-pw@export.example.org/api/query',
      ARXIV_OAI_URL: 'https://mirror.example.org/oai2?api_key=0a1-key&set=cs',
      BASE_URL: 'https://admin:B4se-pw@papers.example.org',
      SMTP_URL: 'smtp://mailer:Smtp-pw@mail.example.org:587',
      DATABASE_URL: 'postgres://pb:Pg-pw@db.example.org:5432/paperboy',
    }),
  );
  for (const password of ['Emb3d-pw', 'Arx1v-pw', '0a1-key', 'B4se-pw', 'Smtp-pw', 'Pg-pw']) assert.ok(!text.includes(password), `${password} printed`);
  assert.match(text, /EMBEDDER\s+"http:http:\/\/embed-user:\*\*\*\*@127\.0\.0\.1:8080\/v1"/);
  assert.match(text, /ARXIV_API_URL\s+"https:\/\/arxiv-user:\*\*\*\*@export\.example\.org\/api\/query"/);
  assert.match(text, /ARXIV_OAI_URL\s+"https:\/\/mirror\.example\.org\/oai2\?api_key=\*\*\*\*&set=cs"/);
  assert.match(text, /DATABASE_URL\s+"postgres:\/\/pb:\*\*\*\*@db\.example\.org:5432\/paperboy"/);
  // What holds no password is shown as it is.
  assert.match(text, /ARXIV_CATEGORIES\s+"cs\.LG,cs\.CL,cs\.CV,cs\.AI,stat\.ML"/);
  assert.match(describeConfig(loadConfig({ SMTP_URL: 'smtp://mail.example.org:25' })), /SMTP_URL\s+"smtp:\/\/mail\.example\.org:25"/);
});

test('TRUST_PROXY: off by default; a hop count or proxy addresses and CIDRs; anything else is refused', () => {
  assert.equal(loadConfig({}).trustProxy, '');
  assert.equal(trustProxyOption(''), false);
  assert.equal(trustProxyOption('0'), false);
  assert.deepEqual(trustProxyOption('127.0.0.1, 10.0.0.0/8,fd00::/8,loopback'), ['127.0.0.1', '10.0.0.0/8', 'fd00::/8', 'loopback']);
  const hops = trustProxyOption('2') as (address: string, hop: number) => boolean;
  assert.deepEqual([hops('x', 0), hops('x', 1), hops('x', 2)], [true, true, false]);
  for (const ok of ['1', '127.0.0.1', '10.0.0.0/8,192.168.0.0/255.255.0.0', '::1,2001:db8::/32', 'uniquelocal'])
    assert.equal(loadConfig({ TRUST_PROXY: ok }).trustProxy, ok);
  for (const bad of ['true', 'yes', '10.0.0.0/33', '::1/129', 'proxy.example.org', '10.0.0.1/8/8', '-1', ','])
    assert.throws(() => loadConfig({ TRUST_PROXY: bad }), /TRUST_PROXY=.* must be empty, a number of hops or proxy addresses/, bad);
});
