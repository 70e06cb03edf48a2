import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import type { Paper } from '../../papers/paper.js';
import type { User } from '../../community/accounts.js';
import { latestFeedDay, listDailyPapers } from '../../feed/daily.js';
import { periodLabel, parseDay } from '../../feed/period.js';
import { looksLikeBibtex } from '../../recommend/library-parse.js';
import { FollowError } from '../../follow/follows.js';
import { isCategory } from '../../papers/schemas.js';
import { html, type SafeHtml } from '../../util/html.js';
import { isCalendarDay, parseWholeNumber } from '../../util/strict-input.js';
import { paperCard } from '../components.js';
import { listedThumbnails } from '../listed-thumbnails.js';
import { signalButtons, upvoteBox } from '../community-components.js';
import { badRequestPage } from '../feed-page.js';
import { FEED_PAGE_SIZE } from '../feed-view.js';
import { field } from '../form-body.js';
import { csrfField, page } from '../session.js';

// GET /for-you: the newest announcement day's papers (every harvested paper of that feed day)
// ranked for the signed-in member, 50 a page, earlier days a link away; each card says why and
// has Save / Not interested. With no signals yet: the community feed and how to start. POST
// /for-you/import takes pasted arXiv ids, URLs or BibTeX (the form works without JavaScript).

/** Most characters the import form takes (the API takes a megabyte). */
const IMPORT_FORM_CHARS = 60_000;
/** Most categories one pick form sets (follows allow MAX_FOLLOWS things in all). */
const MAX_PICKS = 20;

function forYouHref(day: string | null, p = 0): string {
  const q = new URLSearchParams();
  if (day) q.set('day', day);
  if (p > 0) q.set('p', String(p));
  const s = q.toString();
  return s ? `/for-you?${s}` : '/for-you';
}

function importForm(req: FastifyRequest, open: boolean): SafeHtml {
  return html`<details class="import-box"${open ? ' open' : ''}>
  <summary>Import your papers</summary>
  <form class="stack" method="post" action="/for-you/import">
    ${csrfField(req)}
    <label for="library">arXiv ids or arxiv.org URLs (one per line), or the text of a BibTeX file: entries are matched by <code>eprint</code>, arXiv URL, DOI or exact title</label>
    <label class="file-pick" data-file-pick hidden>or choose a file: <input type="file" accept=".bib,.bibtex,.txt,text/plain,application/x-bibtex" data-fills="#library"></label>
    <textarea id="library" name="library" rows="6" maxlength="${IMPORT_FORM_CHARS}" placeholder="2401.00001&#10;https://arxiv.org/abs/2312.12345&#10;@article{key, eprint = {2310.06825}, ...}" required></textarea>
    <button type="submit">Import</button>
  </form>
</details>`;
}

/**
 * The cold start's other way in: a few of the instance's categories, ticked. They are the member's
 * category follows (src/follow/), so /following lists them and unticking one here unfollows it there.
 */
async function categoryForm(req: FastifyRequest, deps: AppDeps, picks: string[], open: boolean): Promise<SafeHtml> {
  const choices = await deps.recommend.categoryChoices();
  const counts = new Map(choices.map((c) => [c.category, c.papers]));
  const shown = [...new Set([...picks, ...choices.map((c) => c.category)])];
  if (!shown.length) return html``;
  return html`<details class="import-box category-box"${open ? ' open' : ''}>
  <summary>${picks.length ? `Your categories: ${picks.join(', ')}` : 'Pick a few categories'}</summary>
  <form class="stack" method="post" action="/for-you/categories">
    ${csrfField(req)}
    <fieldset class="category-picks">
      <legend>arXiv categories of this instance (papers in each): their papers come first until you save, upvote or import papers, and count a little after</legend>
      ${shown.map(
        (c) =>
          html`<label><input type="checkbox" name="category" value="${c}"${picks.includes(c) ? ' checked' : ''}> ${c}${counts.has(c) ? html` <span class="muted small">(${counts.get(c)!.toLocaleString('en-US')})</span>` : ''}</label>`,
      )}
    </fieldset>
    <button type="submit">Follow these categories</button>
  </form>
  <p class="muted small">These are your category follows: <a href="/following">Following</a> lists them too.</p>
</details>`;
}

/** Cards with upvote box, reason, Save / Not interested, as the member sees them. */
async function cards(
  req: FastifyRequest,
  deps: AppDeps,
  user: User,
  items: { paper: Paper; reason: string | null; upvotes?: number }[],
  back: string,
  forYou: boolean,
) {
  const ids = items.map((i) => i.paper.id);
  const [signals, voted, counts, collections, thumbnails] = await Promise.all([
    deps.recommend.signals.among(user.id, ids),
    deps.community.votes.votedAmong(user.id, ids),
    deps.community.votes.countMany(ids),
    deps.recommend.collections.mine(user.id),
    listedThumbnails(deps, ids),
  ]);
  return items.map(({ paper, reason, upvotes }) =>
    paperCard(paper, {
      forYou,
      thumbnail: thumbnails.get(paper.id),
      side: upvoteBox(req, { paperId: paper.id, upvotes: upvotes ?? counts.get(paper.id) ?? 0, voted: voted.has(paper.id), back }),
      note: reason ? html`<p class="reason">${reason}</p>` : undefined,
      meta: signalButtons(req, { paperId: paper.id, saved: signals.saved.has(paper.id), dismissed: signals.dismissed.has(paper.id), back, collections }),
    }),
  );
}

function sendPage(req: FastifyRequest, reply: FastifyReply, title: string, body: SafeHtml) {
  return reply.type('text/html; charset=utf-8').send(page(req, { title: `${title} · Paperboy`, body, scripts: ['feed.js', 'community.js'] }));
}

export function registerForYou(app: FastifyInstance, deps: AppDeps) {
  const { recommend, database } = deps;
  app.get<{ Querystring: { day?: string; p?: string } }>('/for-you', async (req, reply) => {
    const user = req.user;
    if (!user) return reply.redirect(`/signin?next=${encodeURIComponent(req.url)}`, 303);
    const dayParam = typeof req.query.day === 'string' && req.query.day !== '' ? req.query.day : undefined;
    if (dayParam !== undefined && !isCalendarDay(dayParam)) return badRequestPage(reply, `"${dayParam.slice(0, 20)}" is not a day (YYYY-MM-DD).`);
    const pageNo = req.query.p === undefined ? 0 : parseWholeNumber(String(req.query.p));
    if (pageNo === null || pageNo > 1000) return badRequestPage(reply, `Page "${String(req.query.p).slice(0, 20)}" is not a page number.`);
    const fy = await recommend.forYou(user.id, { day: dayParam, offset: pageNo * FEED_PAGE_SIZE, limit: FEED_PAGE_SIZE });
    const back = req.url;
    const heading = fy.day ? periodLabel(parseDay(fy.day)) : 'No papers yet';
    const nav = html`<div class="period-nav">
  ${fy.previous ? html`<a rel="prev" href="${forYouHref(fy.previous)}">← ${periodLabel(parseDay(fy.previous))}</a>` : html`<span></span>`}
  <h2>${heading}</h2>
  ${fy.next ? html`<a rel="next" href="${forYouHref(fy.next)}">${periodLabel(parseDay(fy.next))} →</a>` : html`<span></span>`}
</div>`;
    const head = html`<div class="page-head feed-head">
  <div><h1>For you</h1><p class="muted">The day's papers ranked for you from what you save, upvote and import. Only you see this page. <a href="/saved">Your saved papers</a> · <a href="/collections">Your collections</a></p></div>
</div>`;
    if (fy.cold && !fy.picks.length) {
      // No signals yet: the community's picks, and how to start.
      const day = await latestFeedDay(database);
      const community = day ? await listDailyPapers(database, { period: parseDay(day), limit: FEED_PAGE_SIZE, viewerId: user.id }) : null;
      const list = community?.entries.length
        ? await cards(
            req,
            deps,
            user,
            community.entries.map((e) => ({ paper: e.paper, reason: null, upvotes: e.upvotes })),
            back,
            false,
          )
        : [];
      return sendPage(
        req,
        reply,
        'For you',
        html`${head}
<p class="notice cold-start"><strong>Your ranking starts with a few papers you like.</strong> Pick a few categories, save or upvote papers below, or import your own papers or reading list (arXiv ids or a BibTeX file). Until then, this is the community's feed${day ? html` of ${periodLabel(parseDay(day))}` : ''}.</p>
${await categoryForm(req, deps, fy.picks, true)}
${importForm(req, true)}
${list.length ? html`<ol class="papers">${list}</ol>` : html`<p class="muted">The community feed is empty so far.</p>`}`,
      );
    }
    const list = await cards(
      req,
      deps,
      user,
      fy.items.map((i) => ({ paper: i.paper, reason: i.reason })),
      back,
      true,
    );
    const hasMore = fy.offset + fy.items.length < fy.total;
    return sendPage(
      req,
      reply,
      `For you · ${heading}`,
      html`${head}
${fy.cold ? html`<p class="notice cold-start">Papers of the categories you follow come first, the community's picks first among them, until you save, upvote or import papers you like.</p>` : ''}
${nav}
${list.length ? html`<ol class="papers for-you" start="${fy.offset + 1}">${list}</ol>` : html`<p class="notice">No papers left on this day: you have seen to all of them.</p>`}
<nav class="pager" aria-label="Pages">
  ${pageNo > 0 ? html`<a rel="prev" href="${forYouHref(dayParam ?? null, pageNo - 1)}">← Previous page</a>` : html`<span></span>`}
  ${hasMore ? html`<a rel="next" href="${forYouHref(dayParam ?? null, pageNo + 1)}">Next page →</a>` : ''}
</nav>
${await categoryForm(req, deps, fy.picks, false)}
${importForm(req, fy.cold)}`,
    );
  });

  app.post<{ Body: unknown }>('/for-you/categories', async (req, reply) => {
    const user = req.user;
    if (!user) return reply.redirect('/signin?next=%2Ffor-you', 303);
    const raw = (req.body as Record<string, unknown> | null)?.category;
    const ticked = [...new Set((Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((c) => (typeof c === 'string' ? c.trim() : '')))];
    if (ticked.length > MAX_PICKS) return badRequestPage(reply, `Pick at most ${MAX_PICKS} categories.`);
    const bad = ticked.filter((c) => !isCategory(c));
    if (bad.length) return badRequestPage(reply, `"${bad[0].slice(0, 40)}" is not an arXiv category (e.g. cs.CL).`);
    const had = await recommend.picks(user.id);
    try {
      for (const c of had) if (!ticked.includes(c)) await deps.follows.unfollow(user.id, 'category', c);
      for (const c of ticked) if (!had.includes(c)) await deps.follows.follow(user.id, 'category', c);
    } catch (e) {
      if (e instanceof FollowError) return badRequestPage(reply, e.message.replace(/^follow: /, ''));
      throw e;
    }
    return reply.redirect('/for-you', 303);
  });

  app.post<{ Body: unknown }>('/for-you/import', async (req, reply) => {
    const user = req.user;
    if (!user) return reply.redirect('/signin?next=%2Ffor-you', 303);
    const text = field(req.body, 'library') ?? '';
    if (!text.trim() || text.length > IMPORT_FORM_CHARS)
      return badRequestPage(reply, `Paste arXiv ids, arxiv.org URLs or BibTeX (at most ${IMPORT_FORM_CHARS} characters).`);
    const r = await recommend.importLibrary(user.id, text, looksLikeBibtex(text) ? 'bibtex' : 'ids');
    return sendPage(
      req,
      reply,
      'Import',
      html`<section class="narrow import-result">
<h1>Import</h1>
<p class="notice">Imported ${r.imported.length} ${r.imported.length === 1 ? 'paper' : 'papers'}${r.problems.length ? html`; ${r.problems.length} not imported` : ''}.</p>
${r.problems.length ? html`<ul class="problems">${r.problems.map((p) => html`<li><strong>${p.entry}</strong> (line ${p.line}): ${p.reason}</li>`)}</ul>` : ''}
<p><a class="button" href="/for-you">See your For-you papers →</a></p>
</section>`,
    );
  });
}
