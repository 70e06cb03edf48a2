import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase } from '../testing/databases.js';
import { waitFor } from '../testing/wait.js';
import { loadDemoIfEmpty } from '../papers/demo.js';
import { createPaperStore } from '../papers/store.js';
import { CorpusModel } from './corpus-model/model.js';
import { SHIPPED_MODEL, corpusEmbedder } from './embedders/embedder.js';
import { embedMissing } from './embed-train.js';
import { createSearchService } from './service.js';

// #29: a query that paraphrases with generic words should find the papers it describes, not the
// papers that share its generic words. On the demo papers with the demo model, "a smaller model
// learns from a bigger one" ranked "Do We Need Bigger Models for Science?" and "When Bigger Isn't
// Better" first; the knowledge-distillation papers it describes came 9th at best.
// No fusion weight mends it (adaptiveShare, bound-lexical weight 0.3, no feedback, soft match 0.8 over
// the top 100 were tried): the demo model itself puts "bigger" (idf 7.2, five papers) at the heart
// of the query vector, whose nearest distillation paper is 98th. It waits on a model that knows more
// word relations (#29 item 1, the shipped base model). The base model landed and did not mend it
// either (top 3 with it: "Do We Need Bigger Models for Science?", "When Bigger Isn't Better...",
// "ESsEN: Training Compact ... Transformers"): a todo, run and reported, not failed, until #29 item 2 does.
// Item 2's query word weights (measured at 12554fd, then taken out) did not mend it either: with the base
// model the query's own vector puts the first distillation paper 6th and the hybrid 20th; weighting
// each word by its coherence (its best cosine with the 5,000 commonest words: "bigger" 0.31, "distil"
// 0.88) lifts the vector's to 3rd, but the hybrid's best stays 6th over every fusion weight tried (no
// feedback, bound-lexical 0.3-0.5, adaptiveShare 0.7, soft match 0.8 over the top 100), and the
// weighting lost on paraphrase-dev at both sizes (docs/search.md, "Generic words"). "bigger" is rare
// in arXiv too (idf 7.5 over the base's 65,232 papers), so no bigger corpus's df flags it. The
// sentence match (weight 0.2 in the re-ordering of the top 30) leaves it unmended too.
test('a paraphrase in generic words finds knowledge-distillation papers in the top 3 (demo papers, shipped model)', {
  todo: 'not met yet with the shipped base model either (#29 item 2: generic words)',
}, async () => {
  const db = await freshDatabase('sqlite');
  try {
    const papers = createPaperStore(db);
    await loadDemoIfEmpty(papers, () => {});
    const model = await CorpusModel.load(SHIPPED_MODEL);
    const embedder = corpusEmbedder(model);
    await embedMissing(db, embedder, { progress: false });
    const search = createSearchService({ database: db, papers, embedder, readyCheckMs: 0 });
    search.startLexicalIndex?.();
    await waitFor(() => !search.lexicalIndexBuilding?.(), { what: 'the lexical index', timeoutMs: 120_000 });
    const r = await search.search({ q: 'a smaller model learns from a bigger one', limit: 10 });
    assert.equal(r.mode, 'hybrid');
    const top = r.papers.slice(0, 3).map((h) => h.paper.title);
    assert.ok(
      top.some((t) => /distil/i.test(t)),
      `top 3: ${top.join(' | ')}`,
    );
  } finally {
    await db.destroy();
  }
});
