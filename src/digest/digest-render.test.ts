import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { DEMO_PAPERS } from '../papers/demo.js';
import { snapshotToRecord } from '../papers/import.js';
import type { Paper } from '../papers/paper.js';
import { launchChromium, screenshotPath } from '../testing/browser.js';
import { createTokenTopicMatcher } from './topics.js';
import { renderDigest, selectDigest } from './compose.js';
import { periodFor } from './period.js';

// The HTML digest rendered by Chromium, light and dark, with real arXiv papers from the demo
// data: screenshots land in .test-artifacts/screenshots/ for a person to look at.

test('the HTML digest renders in Chromium (light, dark, narrow) with real papers', async () => {
  const lines = zlib.gunzipSync(fs.readFileSync(DEMO_PAPERS)).toString('utf8').split('\n', 40).filter(Boolean);
  const papers: Paper[] = lines.map((l) => ({ ...snapshotToRecord(JSON.parse(l)), githubRepo: null, projectPage: null }));
  const trending = papers.slice(0, 6).map((paper, i) => ({ paper, upvotes: [87, 54, 31, 12, 7, 1][i] }));
  const content = selectDigest({
    subscriber: { trendingCount: 5 },
    topics: [{ id: 't1', query: 'language models', categories: ['cs.CL'] }],
    trending,
    matcher: createTokenTopicMatcher(papers),
    papersById: new Map(papers.map((p) => [p.id, p])),
    upvotes: new Map(),
    alreadySent: new Set(),
  });
  assert.ok(content.sections.length === 2 && content.sections[1].items.length > 0, 'a trending and a topic section');
  const period = periodFor('daily', '2026-03-04', 'America/New_York')!;
  const r = renderDigest(content, period, {
    baseUrl: 'https://papers.example.org',
    manageUrl: 'https://papers.example.org/digest/manage/x',
    unsubscribeUrl: 'https://papers.example.org/digest/unsubscribe/x',
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 760, height: 900 } });
    await page.setContent(r.html);
    await page.screenshot({ path: screenshotPath('digest-email-light'), fullPage: true });
    // the excerpt is about two lines at the email's width
    const heights = await page.$$eval('.pb-fg', (els) => els.map((e) => e.getBoundingClientRect().height));
    assert.ok(heights.length > 5 && heights.every((h) => h <= 2 * 21 + 6), `excerpt heights ${heights}`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: screenshotPath('digest-email-dark'), fullPage: true });
    const bg = await page.$eval('.pb-inner', (e) => getComputedStyle(e).backgroundColor);
    assert.equal(bg, 'rgb(17, 24, 39)');
    await page.setViewportSize({ width: 375, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow}px)`);
    await page.screenshot({ path: screenshotPath('digest-email-phone') });
  } finally {
    await browser.close();
  }
});
