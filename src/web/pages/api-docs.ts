import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { html, type SafeHtml } from '../../util/html.js';
import { layout } from '../layout.js';
import { openApiDocument, type OpenApiDocument, type OpenApiOperation, type SchemaObject } from '../api/openapi.js';

// GET /api/docs: the API reference, rendered on the server from the same OpenAPI document as
// /openapi.json, which is generated from the routes' schemas (no client-side viewer, nothing from a CDN).

function typeOf(s: SchemaObject | Record<string, unknown>): SafeHtml | string {
  const o = s as SchemaObject;
  if (o.$ref) {
    const name = o.$ref.split('/').pop()!;
    return html`<a href="#schema-${name}">${name}</a>`;
  }
  const choices = o.oneOf ?? o.anyOf;
  // A choice of constants (TypeBox's union of literals) reads as an enum.
  if (choices?.length && choices.every((x) => x.const !== undefined))
    return `${typeof choices[0].const === 'number' ? 'number' : 'string'}: ${choices.map((x) => String(x.const)).join(', ')}`;
  if (choices) return html`${choices.map((x, i) => html`${i ? ' | ' : ''}${typeOf(x)}`)}`;
  if (o.const !== undefined) return `${JSON.stringify(o.const)}`;
  if (o.type === 'array' && o.items) return html`array of ${typeOf(o.items)}`;
  const t = Array.isArray(o.type) ? o.type.join(' | ') : (o.type ?? 'any');
  return `${t}${o.format ? ` (${o.format})` : ''}${o.enum ? `: ${o.enum.join(', ')}` : ''}`;
}

function operation(path: string, method: string, op: OpenApiOperation): SafeHtml {
  const params = op.parameters ?? [];
  return html`<section class="api-op" id="${op.operationId}">
  <h2><span class="method">${method.toUpperCase()}</span> <code>${path}</code></h2>
  <p><strong>${op.summary}</strong></p>
  ${op.description ? html`<p>${op.description}</p>` : ''}
  ${op.security?.length ? html`<p class="muted">Needs a personal API token: <code>Authorization: Bearer TOKEN</code> (create one on your profile page).</p>` : ''}
  ${op.requestBody ? html`<p>Request body (${Object.keys(op.requestBody.content)[0]}): ${typeOf(Object.values(op.requestBody.content)[0].schema)}</p>` : ''}
  ${
    params.length
      ? html`<table><caption>Parameters</caption><thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead><tbody>
    ${params.map((p) => {
      const sch = p.schema;
      const range = sch.minimum !== undefined || sch.maximum !== undefined ? ` ${sch.minimum ?? ''}..${sch.maximum ?? ''}` : '';
      return html`<tr><td><code>${p.name}</code>${p.required ? ' (required)' : ''}</td><td>${p.in}</td><td>${typeOf(sch)}${range}</td><td>${p.description}${sch.default !== undefined ? html` Default <code>${String(sch.default)}</code>.` : ''}</td></tr>`;
    })}</tbody></table>`
      : ''
  }
  <table><caption>Responses</caption><thead><tr><th scope="col">Status</th><th scope="col">Body</th><th scope="col">Description</th></tr></thead><tbody>
  ${Object.entries(op.responses).map(([status, r]) => {
    const [type, content] = Object.entries(r.content ?? {})[0] ?? [];
    return html`<tr><td>${status}</td><td>${content ? html`${typeOf(content.schema)} <span class="muted">${type}</span>` : '—'}</td><td>${r.description}${r.headers ? html` Headers: ${Object.entries(r.headers).map(([h, d]) => html`<code>${h}</code> ${d.description}`)}.` : ''}</td></tr>`;
  })}</tbody></table>
</section>`;
}

function render(doc: OpenApiDocument): string {
  const body = html`<article class="api-docs">
<h1>${doc.info.title} <span class="muted">v${doc.info.version}</span></h1>
<p>${doc.info.description}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${doc.openapi}). Base URL: <code>${doc.servers[0].url}</code>.</p>
<nav aria-label="Endpoints"><ul>${Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => html`<li><a href="#${op.operationId}">${m.toUpperCase()} ${path}</a>: ${op.summary}</li>`))}</ul></nav>
${Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => operation(path, m, op)))}
<h2 id="schemas">Schemas</h2>
${Object.entries(doc.components.schemas).map(
  ([name, s]) => html`<section class="api-schema" id="schema-${name}"><h3>${name}</h3>${s.description ? html`<p>${s.description}</p>` : ''}
<table><thead><tr><th scope="col">Field</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead><tbody>
${Object.entries(s.properties ?? {}).map(([f, p]) => html`<tr><td><code>${f}</code>${s.required?.includes(f) ? '' : html` <span class="muted">optional</span>`}</td><td>${typeOf(p)}</td><td>${p.description ?? ''}</td></tr>`)}
</tbody></table></section>`,
)}
</article>`;
  return layout({ title: 'API reference · Paperboy', description: 'Paperboy JSON API reference', body });
}

export function registerApiDocs(app: FastifyInstance, _deps: AppDeps) {
  // Rendered on the first request: the document exists once every route is registered.
  let page: string | undefined;
  app.get('/api/docs', (_req, reply) => {
    page ??= render(openApiDocument(app));
    return reply.type('text/html; charset=utf-8').send(page);
  });
}
