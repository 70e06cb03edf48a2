import { layout } from './layout.js';
import { html } from '../util/html.js';

/** The HTML page of an error status (404, 403, 500, ...). */
export function errorPage(status: number, title: string, message: string): string {
  return layout({
    title: `${title} · Paperboy`,
    body: html`<section class="error-page"><h1>${status} · ${title}</h1><p class="muted">${message}</p><p><a href="/">Back to today's papers</a></p></section>`,
  });
}
