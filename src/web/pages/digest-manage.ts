import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import { html } from '../../util/html.js';
import { parseWholeNumber } from '../../util/strict-input.js';
import { field } from '../form-body.js';
import { csrfField } from '../session.js';
import { WEEKDAYS } from '../../digest/period.js';
import { MAX_FOR_YOU, MAX_TRENDING, type Subscriber } from '../../digest/subscriptions.js';
import { normaliseTopic } from '../../digest/topics.js';
import { topicTitle } from '../../digest/compose.js';
import { digestWeb, sendPage, type DigestWeb } from '../digest-web.js';

// /digest/manage/:token: choices for one subscriber, from the signed link in every digest. The
// token names the subscriber and is signed over its address: no sign-in, and no way to reach
// another address by editing the link or the form.

type Req = FastifyRequest<{ Params: { token: string } }>;

async function render(d: DigestWeb, req: Req, reply: FastifyReply, s: Subscriber, status = 200, note = '') {
  const topics = await d.service.subscriptions.topics(s.id);
  const action = `/digest/manage/${req.params.token}`;
  const hidden = csrfField(req);
  if (s.status === 'unsubscribed' || s.status === 'pending') {
    return sendPage(
      reply,
      status,
      'Digest',
      html`<section class="narrow"><h1>Not subscribed</h1><p><strong>${s.email}</strong> receives no digest. <a href="/subscribe">Subscribe again</a>.</p></section>`,
    );
  }
  return sendPage(
    reply,
    status,
    'Your digest',
    html`<section class="narrow digest-manage"><h1>Your digest</h1>
<p class="muted">For <strong>${s.email}</strong>${s.status === 'paused' ? ' · paused' : ''}${s.status === 'suspended' ? ' · suspended after repeated delivery failures (saving resumes it)' : ''}</p>
${note ? html`<p class="notice" role="status">${note}</p>` : ''}
<form method="post" action="${action}" class="stack">${hidden}<input type="hidden" name="action" value="save">
<fieldset><legend>How often</legend>
<label><input type="radio" name="frequency" value="daily"${s.frequency === 'daily' ? html` checked` : ''}> Daily, each feed day (Monday to Friday)</label>
<label><input type="radio" name="frequency" value="weekly"${s.frequency === 'weekly' ? html` checked` : ''}> Weekly, on
<select name="weekday" aria-label="Weekday">${WEEKDAYS.map((w, i) => html`<option value="${i}"${i === s.weekday ? html` selected` : ''}>${w}</option>`)}</select></label>
</fieldset>
<label>Trending papers per digest <input type="number" name="trending" min="0" max="${MAX_TRENDING}" value="${s.trendingCount}"></label>
<label>For-you papers per digest <input type="number" name="foryou" min="0" max="${MAX_FOR_YOU}" value="${s.forYouCount}"> <span class="muted small">(when this address is a member's: the best of the period's new papers for you)</span></label>
<label><input type="checkbox" name="paused" value="1"${s.status === 'paused' ? html` checked` : ''}> Pause the digest</label>
<button type="submit">Save</button>
</form>
<h2>Topics</h2>
<p class="muted">Saved searches: papers new in the period whose title or abstract has all the words (use "quotes" for a phrase), optionally in some categories.</p>
${topics.length ? html`<ul class="topics">${topics.map((t) => html`<li><span>${topicTitle(t)}</span> <form method="post" action="${action}" class="inline">${hidden}<input type="hidden" name="action" value="remove-topic"><input type="hidden" name="topic" value="${t.id}"><button type="submit" class="secondary">Remove</button></form></li>`)}</ul>` : html`<p>No topics yet.</p>`}
<form method="post" action="${action}" class="stack">${hidden}<input type="hidden" name="action" value="add-topic">
<label>Search <input name="query" required maxlength="200" placeholder='"retrieval augmented" generation'></label>
<label>Categories (optional) <input name="categories" maxlength="120" placeholder="cs.CL cs.IR"></label>
<button type="submit">Add topic</button>
</form>
<h2>Leave</h2>
<form method="post" action="${action}">${hidden}<input type="hidden" name="action" value="unsubscribe"><button type="submit" class="secondary">Unsubscribe</button></form>
</section>`,
  );
}

export function registerDigestManage(app: FastifyInstance, deps: AppDeps) {
  const d = digestWeb(deps);
  const notFound = (reply: FastifyReply) =>
    sendPage(reply, 404, 'Link not valid', html`<section class="narrow"><h1>This link is not valid</h1><p>Use the link in your latest digest.</p></section>`);
  app.get<{ Params: { token: string } }>('/digest/manage/:token', async (req, reply) => {
    const s = await d.fromLink('manage', req.params.token);
    return s ? render(d, req, reply, s) : notFound(reply);
  });
  app.post<{ Params: { token: string } }>('/digest/manage/:token', async (req, reply) => {
    const s = await d.fromLink('manage', req.params.token);
    if (!s) return notFound(reply);
    const subs = d.service.subscriptions;
    const action = field(req.body, 'action');
    if (action === 'unsubscribe') {
      await subs.unsubscribe(s.id);
      return sendPage(
        reply,
        200,
        'Unsubscribed',
        html`<section class="narrow"><h1>Unsubscribed</h1><p><strong>${s.email}</strong> will receive no more digests.</p></section>`,
      );
    }
    if (action === 'save') {
      const frequency = field(req.body, 'frequency');
      const weekday = parseWholeNumber(field(req.body, 'weekday') ?? String(s.weekday)) ?? Number.NaN;
      const trending = parseWholeNumber(field(req.body, 'trending') ?? String(s.trendingCount)) ?? Number.NaN;
      const forYou = parseWholeNumber(field(req.body, 'foryou') ?? String(s.forYouCount)) ?? Number.NaN;
      if (
        (frequency !== 'daily' && frequency !== 'weekly') ||
        !Number.isInteger(weekday) ||
        weekday < 0 ||
        weekday > 6 ||
        !Number.isInteger(trending) ||
        trending < 0 ||
        trending > MAX_TRENDING ||
        !Number.isInteger(forYou) ||
        forYou < 0 ||
        forYou > MAX_FOR_YOU
      ) {
        return render(d, req, reply, s, 400, `Choose daily or weekly, a weekday, 0 to ${MAX_TRENDING} trending papers and 0 to ${MAX_FOR_YOU} For-you papers.`);
      }
      const paused = field(req.body, 'paused') === '1';
      if (s.status === 'suspended' && !paused) await subs.setPreferences(s.id, { paused: true });
      const updated = await subs.setPreferences(s.id, { frequency, weekday, trendingCount: trending, forYouCount: forYou, paused });
      return render(d, req, reply, updated!, 200, 'Saved.');
    }
    if (action === 'add-topic') {
      try {
        const topic = normaliseTopic(field(req.body, 'query') ?? '', field(req.body, 'categories') ?? '');
        await subs.addTopic(s.id, topic);
      } catch (e) {
        return render(d, req, reply, s, 400, (e as Error).message.replace(/^digest: /, ''));
      }
      return render(d, req, reply, s, 200, 'Topic added.');
    }
    if (action === 'remove-topic') {
      await subs.removeTopic(s.id, field(req.body, 'topic') ?? '');
      return render(d, req, reply, s, 200, 'Topic removed.');
    }
    return render(d, req, reply, s, 400, 'Unknown action.');
  });
}
