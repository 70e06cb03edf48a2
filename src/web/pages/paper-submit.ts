import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import { html } from '../../util/html.js';
import { csrfField, page, requireUser } from '../session.js';
import { CommunityError } from '../../community/errors.js';
import { submissionRules } from '../../community/community.js';
import { paperPath } from '../components.js';

// GET/POST /submit: a signed-in member features a paper in today's feed.

export const submitSchema = {
  body: {
    type: 'object',
    required: ['paper'],
    properties: {
      paper: { type: 'string', maxLength: 300 },
      comment: { type: 'string', maxLength: 2000 },
      github_repo: { type: 'string', maxLength: 500 },
      project_page: { type: 'string', maxLength: 500 },
      _csrf: { type: 'string' },
    },
  },
} as const;

type SubmitBody = { paper: string; comment?: string; github_repo?: string; project_page?: string };

export function registerPaperSubmit(app: FastifyInstance, deps: AppDeps) {
  const { community } = deps;
  const rules = submissionRules(deps.config);
  const form = (req: FastifyRequest, values: Partial<SubmitBody> = {}, error?: string) => html`<section class="narrow">
<h1>Submit a paper</h1>
<p class="muted">Feature a paper in today's feed. A paper is featured once; submissions close ${rules.maxAgeDays} days after it appears on arXiv;
you can submit ${rules.dailyCap} papers a day${rules.weekends ? '' : ', on weekdays'}.</p>
${error ? html`<p class="notice error" role="alert">${error}</p>` : ''}
<form method="post" action="/submit" class="stack">
  ${csrfField(req)}
  <label for="paper">arXiv id or URL</label>
  <input id="paper" name="paper" required maxlength="300" placeholder="2403.01234 or https://arxiv.org/abs/2403.01234" value="${values.paper ?? ''}">
  <label for="comment">Why it is worth reading <span class="muted">(optional)</span></label>
  <textarea id="comment" name="comment" rows="3" maxlength="2000">${values.comment ?? ''}</textarea>
  <label for="github_repo">GitHub repository <span class="muted">(optional)</span></label>
  <input id="github_repo" name="github_repo" type="url" maxlength="500" placeholder="https://github.com/..." value="${values.github_repo ?? ''}">
  <label for="project_page">Project page <span class="muted">(optional)</span></label>
  <input id="project_page" name="project_page" type="url" maxlength="500" placeholder="https://..." value="${values.project_page ?? ''}">
  <button type="submit">Submit</button>
</form>
</section>`;

  app.get('/submit', async (req, reply) => {
    if (!requireUser(req, reply)) return reply;
    return reply.type('text/html; charset=utf-8').send(page(req, { title: 'Submit a paper · Paperboy', body: form(req) }));
  });

  app.post<{ Body: SubmitBody }>('/submit', { schema: submitSchema }, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const again = (status: number, message: string) =>
      reply
        .code(status)
        .type('text/html; charset=utf-8')
        .send(page(req, { title: 'Submit a paper · Paperboy', body: form(req, req.body, message) }));
    const d = await community.limits.submitPerUser.hit(`user:${user.id}`);
    if (!d.ok) {
      reply.header('Retry-After', String(d.retryAfterSeconds));
      return again(429, `Too many submission attempts; try again in ${Math.ceil(d.retryAfterSeconds / 60)} minute(s).`);
    }
    try {
      const s = await community.submissions.submit(user, {
        paper: req.body.paper,
        comment: req.body.comment,
        githubRepo: req.body.github_repo,
        projectPage: req.body.project_page,
      });
      return reply.redirect(paperPath(s.paperId), 303);
    } catch (e) {
      if (e instanceof CommunityError) {
        // The form comes back with what was typed in, whatever the reason.
        if (e.retryAfterSeconds) reply.header('Retry-After', String(e.retryAfterSeconds));
        return again(e.status, e.userMessage.replace(/^./, (c) => c.toUpperCase()) + '.');
      }
      throw e;
    }
  });
}
