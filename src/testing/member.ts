import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';

/** A signed-in browser without JavaScript: a session cookie and the CSRF cookie the pages set. */
export class Member {
  cookies: Record<string, string>;
  constructor(
    private app: FastifyInstance,
    session: string,
  ) {
    this.cookies = { pb_session: session };
  }
  /** the Cookie header this member sends */
  get cookie() {
    return Object.entries(this.cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
  }
  async get(url: string, headers: Record<string, string> = {}) {
    const res = await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookie, ...headers } });
    for (const c of res.cookies as { name: string; value: string }[]) this.cookies[c.name] = c.value;
    return res;
  }
  /**
   * Submits the first form whose action is `action` on `page`, as a browser would: its hidden fields and
   * `extra`; `after`: the first such form after this text of the page; `headers`: sent with the post.
   */
  async submit(page: string, action: string, extra: Record<string, string> = {}, o: { after?: string; headers?: Record<string, string> } = {}) {
    const body = (await this.get(page)).body;
    const at = body.indexOf(`action="${action}"`, o.after ? body.indexOf(o.after) : 0);
    assert.ok(at >= 0, `no form for ${action} on ${page}`);
    const form = body.slice(at, body.indexOf('</form>', at));
    const fields: Record<string, string> = {};
    for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
      fields[m[1]] = m[2]
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
    return this.app.inject({
      method: 'POST',
      url: action,
      payload: new URLSearchParams({ ...fields, ...extra }).toString(),
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded', ...o.headers },
    });
  }
}

/** Paper ids of the cards on a page, in order. */
export const cardIds = (body: string) => [...body.matchAll(/<li class="paper-card[^"]*" data-paper-id="([^"]+)"/g)].map((m) => m[1]);
