import { html, type SafeHtml } from '../util/html.js';

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** current search text, shown in the header's search box */
  query?: string;
  description?: string;
  /** extra <head> content: feed links, canonical URL (trusted markup) */
  head?: SafeHtml;
  /** page-specific scripts under /static (kept small: pages work without them) */
  scripts?: string[];
  /** header account links for this visitor: accountNav(req) from src/web/session.ts */
  account?: SafeHtml;
}

export function layout(o: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title}</title>
<meta name="description" content="${o.description ?? 'Daily papers, submitted and upvoted by the community'}">
<meta name="color-scheme" content="light dark">
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
${o.head ?? ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
  <div class="wrap header-row">
    <a class="brand" href="/" aria-label="Paperboy home"><img src="/static/favicon.svg" alt="" width="28" height="28"><span>Paperboy</span></a>
    <form class="search" action="/search" method="get" role="search">
      <label class="visually-hidden" for="q">Search papers</label>
      <input id="q" name="q" type="search" placeholder="Search papers by meaning or words" value="${o.query ?? ''}" maxlength="250">
    </form>
    <nav aria-label="Main">
      <a href="/">Daily</a>
      <a href="/papers/trending">Trending</a>
      <a href="/submit">Submit</a>
      ${o.account ?? html`<a href="/signin">Sign in</a>`}
    </nav>
  </div>
</header>
<main id="main" class="wrap">
${o.body}
</main>
<footer class="site-footer wrap">
  <p>Paperboy · a self-hosted daily papers hub · paper metadata from <a href="https://arxiv.org">arXiv</a> (CC0) · <a href="/about">About</a> · <a href="/api/docs">API</a></p>
</footer>
${(o.scripts ?? []).map((s) => html`<script src="/static/${s}" defer></script>`)}
</body>
</html>`.toString();
}
