import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { html } from '../../util/html.js';
import { layout } from '../layout.js';
import { demoActivitySummary } from '../../community/demo-activity.js';

/** GET /about: what this instance is, where its data comes from, and whether its activity is demo data. */
export function registerAbout(app: FastifyInstance, { database }: AppDeps) {
  app.get('/about', async (_req, reply) => {
    const demo = await demoActivitySummary(database);
    const body = html`<article class="about">
<h1>About this Paperboy</h1>
<p>Paperboy is a self-hosted "Daily Papers" hub: members submit arXiv papers to a daily feed, upvote and discuss them; the feed is ranked by upvotes each day and by a trending score across days.</p>
${
  demo
    ? html`<section class="notice" id="demo-data" aria-labelledby="demo-title"><h2 id="demo-title">Demo data</h2>
<p>The members, submissions, upvotes and comments on this instance are <strong>demo activity</strong>, generated on first start so the feed has something to show: ${demo.members} demo members (their names end in "(demo)"), ${demo.submissions} submissions on ${demo.days} feed days, ${demo.upvotes} upvotes and ${demo.comments} comments. The papers themselves are real arXiv papers. Set <code>DEMO_DATA=off</code> and start on an empty database to run without it.</p></section>`
    : ''
}
<h2>Data</h2>
<p>Paper metadata (titles, authors, abstracts) comes from <a href="https://arxiv.org">arXiv</a> and is distributed under CC0 1.0.</p>
<h2>Feeds and API</h2>
<ul>
  <li><a href="/papers/feed.xml">Atom feed of the latest days</a> and <a href="/papers/trending/feed.xml">of trending papers</a></li>
  <li><a href="/api/docs">JSON API reference</a> (<a href="/openapi.json">OpenAPI document</a>)</li>
</ul>
</article>`;
    return reply.type('text/html; charset=utf-8').send(layout({ title: 'About · Paperboy', body }));
  });
}
