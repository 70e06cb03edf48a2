import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { parse as parseBibtexStrict } from '@retorquere/bibtex-parser';
import { plugins } from '@citation-js/core';
import '@citation-js/plugin-ris';
import { buildTestApp } from '../testing/test-app.js';
import { cardIds, Member } from '../testing/member.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../testing/databases.js';
import { addPapers } from '../digest/fixtures.js';
import { FOR_YOU_PAPERS } from '../testing/foryou-fixtures.js';
import type { Community } from '../community/community.js';
import { parseAtomFeed, parseJsonFeed } from 'feedsmith';
import { citationKey } from '../papers/citation.js';
import { createPaperStore } from '../papers/store.js';
import { buildPaper } from '../papers/paper.js';

// Collections over HTTP on both databases, as members use them without JavaScript and with an API
// token: a private collection is "not found" to everyone else (page, export, API: 404, never 403, so
// its existence does not leak), a public one is visible without its notes; exports of a collection, a
// feed page and a search parse back with real parsers (@retorquere/bibtex-parser, citation-js's RIS)
// with the paper page's citation key; bad parameters are 400s; the paper page's citation_* tags and
// its Markdown view.

for (const dialect of DIALECTS) {
  describe(`[${dialect}] collections over HTTP`, () => {
    let db: TestDatabase;
    let app: FastifyInstance;
    let community: Community;
    let ada: Member;
    let bob: Member;
    let adaToken: string;
    let bobToken: string;
    beforeEach(async () => {
      db = await freshDatabase(dialect);
      await addPapers(
        db,
        FOR_YOU_PAPERS.map((p) => (p.id.startsWith('2603.002') ? { ...p, submitted: { day: '2026-03-10', upvotes: 1 } } : p)),
      );
      const t = await buildTestApp({ database: db });
      app = t.app;
      community = t.deps.community;
      const a = await community.accounts.createUser({ email: 'ada@example.org', username: 'ada' });
      const b = await community.accounts.createUser({ email: 'bob@example.org', username: 'bob' });
      ada = new Member(app, (await community.accounts.createSession(a.id)).token);
      bob = new Member(app, (await community.accounts.createSession(b.id)).token);
      adaToken = (await community.accounts.createApiToken(a.id, 'test')).token;
      bobToken = (await community.accounts.createApiToken(b.id, 'test')).token;
    });
    afterEach(async () => {
      await app.close();
      await db.destroy();
    });

    const api = (token: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
      app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

    test('a member collects papers from a card into a new collection, notes, reorders, marks read; others see it only once public, without notes', async () => {
      // "Add to…" on a feed card, into a new collection: no JavaScript, back to the feed
      const feed = '/papers/date/2026-03-10';
      let res = await ada.submit(feed, '/papers/2603.00201/collect', { collection: 'new', name: 'Molecules' });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, feed);
      const page = '/u/ada/c/molecules';
      // with JavaScript: JSON, into the collection now on every picker
      const picker = (await ada.get(feed)).body;
      const id = /<option value="(\d+)">Molecules<\/option>/.exec(picker)?.[1];
      assert.ok(id, 'the new collection is in the pickers');
      res = await ada.submit(feed, '/papers/2603.00204/collect', { collection: id! });
      res = await app.inject({
        method: 'POST',
        url: '/papers/2603.00101/collect',
        headers: {
          cookie: Object.entries(ada.cookies)
            .map(([k, v]) => `${k}=${v}`)
            .join('; '),
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          'x-csrf-token': /name="_csrf" value="([^"]+)"/.exec(picker)![1],
        },
        payload: `collection=${id}`,
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        paperId: '2603.00101',
        added: true,
        created: false,
        collection: { id: Number(id), name: 'Molecules', slug: 'molecules', url: page },
      });
      assert.deepEqual(cardIds((await ada.get(page)).body), ['2603.00101', '2603.00204', '2603.00201']);
      // a note, a read mark, a move
      await ada.submit(
        page,
        `${page}/edit`,
        { paper: '2603.00201', action: 'note', note: 'Compare <b>zebra</b> with 00101' },
        { after: 'data-paper-id="2603.00201"' },
      );
      await ada.submit(page, `${page}/edit`, { paper: '2603.00201', action: 'up' }, { after: 'data-paper-id="2603.00201"' });
      await ada.submit(page, `${page}/edit`, { paper: '2603.00101', action: 'read' }, { after: 'data-paper-id="2603.00101"' });
      let mine = (await ada.get(page)).body;
      assert.deepEqual(cardIds(mine), ['2603.00101', '2603.00201', '2603.00204']);
      assert.match(mine, /<strong>Note:<\/strong> Compare &lt;b&gt;zebra&lt;\/b&gt; with 00101/);
      assert.match(mine, /Read ✓/);
      // the paper page says which of her collections hold it
      assert.match((await ada.get('/papers/2603.00201')).body, /In your collections: <a href="\/u\/ada\/c\/molecules">Molecules<\/a>/);
      assert.doesNotMatch((await bob.get('/papers/2603.00201')).body, /In your collections/);

      // Private: not found to bob, to visitors, to bob's API token, in every format
      for (const url of [page, `${page}?format=bibtex`, `${page}?format=ris`, `${page}?format=csl-json`]) {
        assert.equal((await bob.get(url)).statusCode, 404, url);
        assert.equal((await app.inject({ method: 'GET', url })).statusCode, 404, url);
      }
      assert.equal((await bob.get('/u/ada/c/no-such-thing')).body, (await bob.get(page)).body, 'missing and private read the same');
      assert.doesNotMatch((await bob.get('/u/ada')).body, /molecules/, 'her profile does not list it to others');
      assert.match((await ada.get('/u/ada')).body, /<a href="\/u\/ada\/c\/molecules">Molecules<\/a> <span class="muted">private<\/span>/);
      assert.equal((await api(bobToken, 'GET', `/api/collections/${id}`)).statusCode, 404);
      assert.equal((await api(bobToken, 'POST', `/api/collections/${id}/papers`, { arxivId: '2603.00102' })).statusCode, 404);
      assert.equal((await bob.submit('/papers/2603.00102', '/papers/2603.00102/collect', { collection: id! })).statusCode, 404, 'bob cannot add to hers');
      const bobsEdit = await app.inject({
        method: 'POST',
        url: `${page}/edit`,
        payload: { action: 'delete' },
        headers: { cookie: `pb_session=${bob.cookies.pb_session}` },
      });
      assert.notEqual(bobsEdit.statusCode, 303);

      // A private collection has no feed, not even for its owner (feed readers send no session)
      assert.equal((await app.inject({ method: 'GET', url: `${page}/feed.xml` })).statusCode, 404);
      assert.equal((await ada.get(`${page}/feed.xml`)).statusCode, 404);
      assert.doesNotMatch((await ada.get(page)).body, /rel="alternate"/);

      // Public: visible, without her notes or controls
      await ada.submit(page, `${page}/edit`, { action: 'settings', name: 'Molecules', public: '1' });
      // ... and followable: Atom and JSON Feed of it, newest added first, no notes, 304 on its ETag
      assert.match((await bob.get(page)).body, /<link rel="alternate" type="application\/atom\+xml"[^>]*href="\/u\/ada\/c\/molecules\/feed.xml"/);
      const atom = await app.inject({ method: 'GET', url: `${page}/feed.xml` });
      assert.equal(atom.statusCode, 200);
      assert.doesNotMatch(atom.body, /zebra/, 'notes stay out of the feed');
      const atomIds = (parseAtomFeed(atom.body).entries ?? []).map((e) => e.id?.replace(/^.*\/papers\//, ''));
      assert.deepEqual([...atomIds].sort(), ['2603.00101', '2603.00201', '2603.00204']);
      const jsonFeed = parseJsonFeed((await app.inject({ method: 'GET', url: `${page}/feed.json` })).body);
      assert.deepEqual(
        jsonFeed.items?.map((i) => i.id),
        parseAtomFeed(atom.body).entries?.map((e) => e.id),
        'the same entries, in the same order',
      );
      const again = await app.inject({ method: 'GET', url: `${page}/feed.xml`, headers: { 'if-none-match': String(atom.headers.etag) } });
      assert.equal(again.statusCode, 304);
      const seen = await bob.get(page);
      assert.equal(seen.statusCode, 200);
      assert.deepEqual(cardIds(seen.body), ['2603.00101', '2603.00201', '2603.00204']);
      assert.doesNotMatch(seen.body, /zebra/, 'notes stay private');
      assert.doesNotMatch(seen.body, /action="\/u\/ada\/c\/molecules\/edit"/);
      assert.equal((await app.inject({ method: 'GET', url: page })).statusCode, 200, 'signed out too');
      assert.match((await bob.get('/u/ada')).body, /<a href="\/u\/ada\/c\/molecules">Molecules<\/a>/, 'her profile lists it now');
      const viaApi = await api(bobToken, 'GET', `/api/collections/${id}`);
      assert.equal(viaApi.statusCode, 200);
      assert.deepEqual(
        viaApi.json().papers.map((p: { arxivId: string; note?: string }) => [p.arxivId, p.note]),
        [
          ['2603.00101', undefined],
          ['2603.00201', undefined],
          ['2603.00204', undefined],
        ],
      );
      assert.equal((await api(adaToken, 'GET', `/api/collections/${id}`)).json().papers[1].note, 'Compare <b>zebra</b> with 00101');

      // arXiv publishes v2 of a paper in it: the collection page says so
      const papers = createPaperStore(db);
      const v1 = (await papers.get('2603.00201'))!;
      await papers.upsertMany([buildPaper({ ...v1, version: 2, updatedAt: '2026-03-12T00:00:00.000Z' })]);
      const marked = (await bob.get(page)).body;
      assert.match(marked, /<span class="chip updated">New version<\/span> v2 on arXiv; v1 when added/);
      assert.equal((marked.match(/New version/g) ?? []).length, 1, 'only the paper with a newer version');

      // remove; the account export carries collections with notes
      await ada.submit(page, `${page}/edit`, { paper: '2603.00204', action: 'remove' }, { after: 'data-paper-id="2603.00204"' });
      mine = (await ada.get(page)).body;
      assert.deepEqual(cardIds(mine), ['2603.00101', '2603.00201']);
      const exported = JSON.parse((await ada.get('/account/export')).body);
      const molecules = exported.collections.find((c: { slug: string }) => c.slug === 'molecules');
      assert.equal(molecules.public, true);
      assert.deepEqual(
        molecules.papers.map((p: { paperId: string; note: string | null; read: boolean }) => [p.paperId, p.note, p.read]),
        [
          ['2603.00101', null, true],
          ['2603.00201', 'Compare <b>zebra</b> with 00101', false],
        ],
      );
    });

    test('Save fills "Saved"; /saved is it; the API makes, lists, fills and empties collections; bad input is a 400 with a message', async () => {
      await ada.submit('/papers/2603.00102', '/papers/2603.00102/save');
      assert.equal((await api(adaToken, 'POST', '/api/papers/2603.00103/save')).statusCode, 200);
      assert.equal((await ada.get('/saved')).headers.location, '/u/ada/c/saved');
      assert.deepEqual(cardIds((await ada.get('/u/ada/c/saved')).body), ['2603.00103', '2603.00102']);
      assert.equal((await bob.get('/u/ada/c/saved')).statusCode, 404);

      let res = await api(adaToken, 'POST', '/api/collections', { name: 'Reading group', public: true });
      assert.equal(res.statusCode, 200, res.body);
      const made = res.json();
      assert.equal(made.slug, 'reading-group');
      assert.equal(made.url, 'http://localhost:3000/u/ada/c/reading-group');
      res = await api(adaToken, 'POST', `/api/collections/${made.id}/papers`, { arxivId: 'https://arxiv.org/abs/2603.00201v1', note: 'week 1' });
      assert.deepEqual(res.json(), { collectionId: made.id, arxivId: '2603.00201', added: true });
      res = await api(adaToken, 'GET', '/api/collections');
      assert.deepEqual(
        res.json().map((c: { name: string; count: number; public: boolean }) => [c.name, c.count, c.public]),
        [
          ['Saved', 2],
          ['Reading group', 1],
        ].map(([n, k]) => [n, k, n !== 'Saved']),
      );
      assert.equal((await api(bobToken, 'GET', `/api/collections/${made.id}`)).statusCode, 200, 'public: bob reads it');
      assert.equal((await api(bobToken, 'DELETE', `/api/collections/${made.id}/papers/2603.00201`)).statusCode, 404, 'but cannot change it');
      res = await api(adaToken, 'DELETE', `/api/collections/${made.id}/papers/2603.00201`);
      assert.deepEqual(res.json(), { collectionId: made.id, arxivId: '2603.00201', removed: true });

      const bad: [string, string, unknown, RegExp][] = [
        ['POST', '/api/collections', { name: '' }, /name/],
        ['POST', '/api/collections', { name: 'x', public: 'yes' }, /public/],
        ['POST', `/api/collections/${made.id}/papers`, { arxivId: 'not an id' }, /not an arXiv id/],
        ['POST', `/api/collections/${made.id}/papers`, { arxivId: '2603.00201', note: 'x'.repeat(5000) }, /note/],
        ['POST', `/api/collections/${made.id}/papers`, {}, /arxivId/],
        ['GET', '/api/collections/abc', undefined, /id/],
      ];
      for (const [method, url, body, message] of bad) {
        const r = await api(adaToken, method as 'GET', url, body);
        assert.equal(r.statusCode, 400, `${method} ${url} ${JSON.stringify(body)}: ${r.body}`);
        assert.match(r.json().message, message);
      }
      assert.equal((await api(adaToken, 'POST', `/api/collections/${made.id}/papers`, { arxivId: '2603.99999' })).statusCode, 404);
      assert.equal((await app.inject({ method: 'GET', url: '/api/collections' })).statusCode, 401);
      // pages: a bad format is a 400 page, never a 500
      for (const url of [
        '/u/ada/c/reading-group?format=pdf',
        '/papers/date/2026-03-10?format=docx',
        '/search?q=graph&format=xml',
        '/papers/trending?format=',
      ]) {
        const r = await ada.get(url);
        assert.equal(r.statusCode, url.endsWith('format=') ? 200 : 400, url);
        if (r.statusCode === 400) assert.match(r.body, /format must be one of bibtex, ris, csl-json/);
      }
    });

    test('exports of a collection, a feed day and a search parse back with real parsers, keyed as the paper page is', async () => {
      const made = (await api(adaToken, 'POST', '/api/collections', { name: 'Export me' })).json();
      for (const id of ['2603.00101', '2603.00103', '2603.00201']) await api(adaToken, 'POST', `/api/collections/${made.id}/papers`, { arxivId: id });
      const keyOf = async (id: string) => /@misc\{([^,]+),/.exec((await ada.get(`/papers/${id}/bibtex`)).body)![1];
      const expected = ['2603.00201', '2603.00103', '2603.00101'];
      const keys = await Promise.all(expected.map(keyOf));

      const bib = await ada.get('/u/ada/c/export-me?format=bibtex');
      assert.equal(bib.statusCode, 200);
      assert.match(String(bib.headers['content-type']), /^application\/x-bibtex/);
      assert.match(String(bib.headers['content-disposition']), /filename="ada-export-me\.bib"/);
      const parsedBib = parseBibtexStrict(bib.body);
      assert.deepEqual(parsedBib.errors, []);
      assert.deepEqual(
        parsedBib.entries.map((e) => [e.key, e.fields.eprint]),
        expected.map((id, i) => [keys[i], id]),
      );
      assert.ok((parsedBib.entries[0].fields.author?.length ?? 0) >= 1);

      const ris = await ada.get('/u/ada/c/export-me?format=ris');
      const items = plugins.input.chain(ris.body, { target: '@csl/list+object' }) as { title: string; id?: string; author: { family: string }[] }[];
      assert.deepEqual(
        items.map((i) => i.title),
        [
          'Equivariant graph neural networks for molecular dynamics',
          'Black hole mergers in gravitational wave catalogues',
          'Graph neural networks for molecule property prediction',
        ],
      );
      assert.ok(items.every((i) => i.author.length > 0));

      const csl = JSON.parse((await ada.get('/u/ada/c/export-me?format=csl-json')).body);
      assert.deepEqual(
        csl.map((i: { id: string; DOI?: string }) => i.id),
        keys,
      );
      assert.equal(csl[1].DOI, '10.1103/PhysRevD.1.2');
      assert.equal((plugins.input.chain(csl, { target: '@csl/list+object' }) as unknown[]).length, 3, 'citation-js reads the CSL-JSON too');

      // a feed day, for anyone (no cookie), with its filters; and a search
      const day = await app.inject({ method: 'GET', url: '/papers/date/2026-03-10?format=bibtex' });
      assert.equal(day.statusCode, 200);
      const dayEntries = parseBibtexStrict(day.body).entries;
      assert.deepEqual(dayEntries.map((e) => e.fields.eprint).sort(), ['2603.00201', '2603.00202', '2603.00203', '2603.00204']);
      // the same download for everyone: rendered once per feed version, then from the page cache
      const dayAgain = await app.inject({ method: 'GET', url: '/papers/date/2026-03-10?format=bibtex' });
      assert.equal(dayAgain.headers['x-cache'], 'hit');
      assert.equal(dayAgain.body, day.body);
      assert.match(String(dayAgain.headers['content-disposition']), /attachment; filename="paperboy-2026-03-10\.bib"/);
      // with its filters: "has code" exports what the filtered page lists
      const withCode = await app.inject({ method: 'GET', url: '/papers/date/2026-03-10?hasCode=1&format=bibtex' });
      assert.deepEqual(
        parseBibtexStrict(withCode.body)
          .entries.map((e) => e.fields.eprint)
          .sort(),
        cardIds((await app.inject({ method: 'GET', url: '/papers/date/2026-03-10?hasCode=1' })).body).sort(),
      );
      const feedPage = (await app.inject({ method: 'GET', url: '/papers/date/2026-03-10' })).body;
      assert.match(feedPage, /href="\/papers\/date\/2026-03-10\?format=ris"/, 'the feed page links its exports');
      const search = await app.inject({ method: 'GET', url: '/search?q=graph+neural+networks&format=ris' });
      assert.equal(search.statusCode, 200, search.body);
      const found = plugins.input.chain(search.body, { target: '@csl/list+object' }) as { title: string }[];
      assert.ok(found.some((i) => i.title === 'Graph neural networks for molecule property prediction'));
      assert.equal((await app.inject({ method: 'GET', url: '/search?format=bibtex' })).statusCode, 400, 'a search export needs a query');
    });

    test('the paper page carries citation_* tags, and the paper as Markdown at .md and by Accept', async () => {
      const html = (await app.inject({ method: 'GET', url: '/papers/2603.00101' })).body;
      assert.match(html, /<meta name="citation_title" content="Graph neural networks for molecule property prediction">/);
      assert.match(html, /<meta name="citation_arxiv_id" content="2603.00101">/);
      assert.match(html, /<meta name="citation_pdf_url" content="https:\/\/arxiv.org\/pdf\/2603.00101">/);
      assert.match(html, /<meta name="citation_publication_date" content="2026\/03\/09">/);
      assert.ok((html.match(/<meta name="citation_author"/g) ?? []).length >= 1);
      const md = await app.inject({ method: 'GET', url: '/papers/2603.00101.md' });
      assert.equal(md.statusCode, 200);
      assert.match(String(md.headers['content-type']), /^text\/markdown/);
      assert.match(md.body, /^# Graph neural networks for molecule property prediction\n/);
      assert.match(md.body, /## Abstract\n\nMessage passing graph neural networks/);
      assert.match(md.body, /- PDF: https:\/\/arxiv.org\/pdf\/2603.00101/);
      const paper = { title: 'Graph neural networks for molecule property prediction', authors: [] as string[], publishedAt: '2026-03-09' };
      assert.match(md.body, new RegExp(`\`\`\`bibtex\\n@misc\\{${citationKey(paper).replace('anon', '[a-z]+')},`));
      const byAccept = await app.inject({ method: 'GET', url: '/papers/2603.00101', headers: { accept: 'text/markdown' } });
      assert.equal(byAccept.body, md.body);
      assert.match(String(byAccept.headers.vary), /Accept/);
      const browser = await app.inject({ method: 'GET', url: '/papers/2603.00101', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
      assert.match(String(browser.headers['content-type']), /^text\/html/);
      assert.equal((await app.inject({ method: 'GET', url: '/papers/2603.99999.md' })).statusCode, 404);
      assert.equal((await app.inject({ method: 'GET', url: '/papers/2603.00101v1.md' })).headers.location, '/papers/2603.00101.md');
    });
  });
}
