import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpEmbedder } from './http-embedder.js';

// A loopback server speaking the OpenAI /v1/embeddings shape: vector = [length, vowels, 1].
function server(status = 200): Promise<{ base: string; close: () => void; requests: unknown[] }> {
  const requests: unknown[] = [];
  const s = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const j = JSON.parse(body) as { model: string; input: string[] };
      requests.push(j);
      res.writeHead(status, { 'content-type': 'application/json' });
      const data = j.input.map((t, index) => ({ object: 'embedding', index, embedding: [t.length, (t.match(/[aeiou]/g) ?? []).length, 1] }));
      res.end(JSON.stringify({ object: 'list', model: j.model, data: data.reverse() }));
    });
  });
  return new Promise((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve({ base: `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1`, close: () => s.close(), requests })),
  );
}

test('http embedder: probes the dimension, keeps input order, normalises', async () => {
  const srv = await server();
  try {
    const e = await httpEmbedder(srv.base, 'tiny');
    assert.equal(e.dim, 3);
    assert.equal(e.name, 'http:tiny');
    const [a, b] = await e.embedPapers([
      { title: 'aaaa', abstract: 'x' },
      { title: 'b', abstract: 'y' },
    ]);
    assert.ok(a[0] > b[0] || a[1] > b[1]);
    const q = await e.embedQuery('hello');
    assert.ok(Math.abs(Math.hypot(...q) - 1) < 1e-6);
    assert.deepEqual((srv.requests[0] as { model: string }).model, 'tiny');
  } finally {
    srv.close();
  }
});

test('http embedder: an error status is a search: error', async () => {
  const srv = await server(500);
  try {
    await assert.rejects(httpEmbedder(srv.base, 'tiny'), /search: embeddings endpoint .* answered 500/);
  } finally {
    srv.close();
  }
});
