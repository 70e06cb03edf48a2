import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localDateHour, periodFor, startOfLocalDay } from './period.js';
import { createTokenTopicMatcher, normaliseTopic, parseTopicQuery } from './topics.js';
import { buildPaper as buildRecord, type Paper } from '../papers/paper.js';
const buildPaper = (o: Parameters<typeof buildRecord>[0]): Paper => ({ ...buildRecord(o), githubRepo: null, projectPage: null });
import { selectDigest } from './compose.js';
import { digestMessageId } from './send.js';

test('periods: daily covers the previous feed weekday, weekly the seven days before; bounds in FEED_TIMEZONE', () => {
  const tz = 'America/New_York';
  const d = periodFor('daily', '2026-05-28', tz)!;
  assert.deepEqual(
    [d.key, d.firstDay, d.lastDay, d.start, d.end],
    ['daily:2026-05-27', '2026-05-27', '2026-05-27', '2026-05-27T04:00:00.000Z', '2026-05-28T04:00:00.000Z'],
  );
  assert.equal(periodFor('daily', '2026-05-31', tz), null, 'Saturday is not a feed day');
  assert.equal(periodFor('daily', '2026-05-30', tz)?.key, 'daily:2026-05-29', 'Saturday morning sends Friday');
  assert.equal(periodFor('daily', '2026-06-01', tz), null, 'Sunday is not a feed day');
  const w = periodFor('weekly', '2026-05-25', tz)!;
  assert.equal(w.key, 'weekly:2026-05-18..2026-05-24');
  // a DST change inside the week: 2026-03-08 in New York
  const dst = periodFor('weekly', '2026-03-10', tz)!;
  assert.equal(dst.start, '2026-03-03T05:00:00.000Z');
  assert.equal(dst.end, '2026-03-10T04:00:00.000Z');
  assert.equal(startOfLocalDay('2026-11-27', 'UTC').toISOString(), '2026-11-27T00:00:00.000Z');
  assert.deepEqual(localDateHour(new Date('2026-05-28T03:30:00Z'), tz), { date: '2026-05-27', hour: 23 });
  assert.equal(digestMessageId('abc', w.key, 'Paperboy <pb@example.org>'), '<digest.abc.weekly-2026-05-18_2026-05-24@example.org>');
});

test('topics: all words, phrases, plural folding, accents, categories; validation errors start with digest:', () => {
  const papers = [
    buildPaper({ id: '1', title: 'Graph Neural Networks for Molecules', abstract: 'We study message passing.', categories: ['cs.LG'] }),
    buildPaper({ id: '2', title: 'A survey', abstract: 'Neural approaches to graph problems, including naïve ones.', categories: ['cs.AI'] }),
    buildPaper({ id: '3', title: 'Retrieval augmented generation', abstract: 'Generation that is retrieval augmented.', categories: ['cs.CL'] }),
  ];
  const m = createTokenTopicMatcher(papers);
  assert.deepEqual(m.match({ query: 'graph neural network', categories: [] }, 10), ['1'], 'paper 2 lacks "network"');
  assert.deepEqual(m.match({ query: 'neural graph', categories: [] }, 10), ['1', '2'], 'title matches first');
  assert.deepEqual(m.match({ query: '"graph neural"', categories: [] }, 10), ['1']);
  assert.deepEqual(m.match({ query: 'neural graph', categories: ['cs.AI'] }, 10), ['2']);
  assert.deepEqual(m.match({ query: 'NAIVE', categories: [] }, 10), ['2']);
  assert.deepEqual(m.match({ query: '"augmented generation"', categories: [] }, 10), ['3']);
  assert.deepEqual(parseTopicQuery('"a b" c'), { terms: ['c'], phrases: [['a', 'b']] });
  assert.throws(() => normaliseTopic('   ', ''), /^Error: digest: /);
  assert.throws(() => normaliseTopic('x', 'not a category!'), /digest: /);
  assert.deepEqual(normaliseTopic(' llm  agents ', 'cs.CL, cs.AI cs.CL'), { query: 'llm agents', categories: ['cs.CL', 'cs.AI'] });
});

test('selection: trending first, then topics; a paper appears once and never if already sent', () => {
  const p = (id: string, title: string) => buildPaper({ id, title });
  const trending = [p('a', 'alpha graph'), p('b', 'beta'), p('c', 'gamma graph')].map((paper, i) => ({ paper, upvotes: 10 - i }));
  const candidates = [p('a', 'alpha graph'), p('c', 'gamma graph'), p('d', 'delta graph')];
  const content = selectDigest({
    subscriber: { trendingCount: 2 },
    topics: [
      { id: 't', query: 'graph', categories: [] },
      { id: 'u', query: 'delta', categories: [] },
    ],
    trending,
    matcher: createTokenTopicMatcher(candidates),
    papersById: new Map(candidates.map((x) => [x.id, x])),
    upvotes: new Map([['c', 8]]),
    alreadySent: new Set(['b']),
  });
  assert.deepEqual(
    content.sections.map((s) => [s.title, s.items.map((i) => i.paper.id)]),
    [
      ['Trending papers', ['a', 'c']],
      ['Topic: graph', ['d']],
    ],
  );
  assert.deepEqual(content.paperIds, ['a', 'c', 'd']);
});
