import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdown } from './markdown.js';

const md = (s: string) => renderMarkdown(s).toString();

test('the subset: paragraphs, emphasis, strong, code, links, bare URLs, code blocks', () => {
  assert.equal(md('one\n\ntwo\nlines'), '<p>one</p>\n<p>two<br>lines</p>');
  assert.equal(md('an *idea* and _another_ and **bold**'), '<p>an <em>idea</em> and <em>another</em> and <strong>bold</strong></p>');
  assert.equal(md('use `a<b>` here'), '<p>use <code>a&lt;b&gt;</code> here</p>');
  assert.equal(md('[paper](https://arxiv.org/abs/2401.00001)'), '<p><a href="https://arxiv.org/abs/2401.00001" rel="nofollow noopener ugc">paper</a></p>');
  assert.equal(md('see https://example.org/x.'), '<p>see <a href="https://example.org/x" rel="nofollow noopener ugc">https://example.org/x</a>.</p>');
  assert.equal(md('```\nx = <y>\n```'), '<pre><code>x = &lt;y&gt;</code></pre>');
});

test('arithmetic is not emphasis', () => {
  assert.equal(md('2 * 3 * 4 and *x*'), '<p>2 * 3 * 4 and <em>x</em></p>');
});

test('LaTeX stays readable: no emphasis inside $...$', () => {
  assert.equal(md('loss $L_{a} * b_c$ is *low*'), '<p>loss $L_{a} * b_c$ is <em>low</em></p>');
});

test('everything else is escaped: script, event handlers, javascript: links', () => {
  const out = md(
    '<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) javascript:alert(4) [y](https://ok.org/"onmouseover="alert(5))',
  );
  assert.ok(!out.includes('<script'), out);
  assert.ok(!out.includes('<img'), out);
  assert.ok(!/href="javascript:/i.test(out), out);
  assert.ok(!out.includes('"onmouseover'), out);
  assert.ok(out.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(out.includes('[x](javascript:alert(3))'));
});

test('the internal placeholder cannot be smuggled in', () => {
  assert.equal(md('a\u00000\u0000b'), '<p>a0b</p>');
});
