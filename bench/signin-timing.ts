import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/storage/database.js';
import { migrate } from '../src/storage/migrate.js';
import { loadConfig } from '../src/config.js';
import { buildTestApp } from '../src/testing/test-app.js';

// `npm run bench -- signin-timing [requests]`: with SIGNUPS=closed, how long POST /signin takes to
// answer for a member's address and for a stranger's (alternating, a pause before each so that work
// left from one request does not land in the next), mail to the default outbox. The two must not
// differ measurably, or the answer's time tells who is a member (issue #24).
// Prints {"bench":"signin-timing",requests,member:{p50Ms,p90Ms},stranger:{p50Ms,p90Ms}}.

const quantile = (xs: number[], q: number) => Number([...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))].toFixed(3));

export async function benchSigninTiming(args: string[]): Promise<void> {
  const requests = Number(args[0] ?? 400);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bench-signin-'));
  const database = await openDatabase(`sqlite:${path.join(dir, 'bench.db')}`);
  await migrate(database);
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    SIGNUPS: 'closed',
    DATA_DIR: dir,
    SESSION_SECRET: 'bench',
    SIGNIN_RATE_LIMIT: '100000',
    SIGNIN_EMAIL_RATE_LIMIT: '100000',
  });
  const { app, deps } = await buildTestApp({ config, database });
  try {
    await deps.community.accounts.createUser({ email: 'member@example.org', username: 'member' });
    const form = await app.inject('/signin');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1];
    const cookie = form.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const post = async (email: string) => {
      await new Promise((resolve) => setTimeout(resolve, 3));
      const start = process.hrtime.bigint();
      const res = await app.inject({
        method: 'POST',
        url: '/signin',
        payload: new URLSearchParams({ _csrf: csrf, email }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      });
      if (res.statusCode !== 200) throw new Error(`bench: sign-in answered ${res.statusCode}`);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    for (let i = 0; i < 50; i++) await post(i % 2 ? 'member@example.org' : `warm-${i}@example.org`);
    const member: number[] = [];
    const stranger: number[] = [];
    for (let i = 0; i < requests; i++) {
      member.push(await post('member@example.org'));
      stranger.push(await post(`stranger-${i}@example.org`));
    }
    const summary = (xs: number[]) => ({ p50Ms: quantile(xs, 0.5), p90Ms: quantile(xs, 0.9) });
    console.log(JSON.stringify({ bench: 'signin-timing', requests, member: summary(member), stranger: summary(stranger) }));
  } finally {
    await app.close();
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
