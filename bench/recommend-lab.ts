// `node dist/bench/run.js recommend-lab`: a lab for the "For you" ranker's features. Each candidate feature
// is computed once for every reader-day of readers-dev; then, for the base set and for the base set plus
// each candidate, the weights are fitted per fold on the other folds (coordinate ascent on MRR) and the
// held-out fold's MRR is printed, so that a feature is kept only when it wins on most folds.
import { type SparseVector, TermStats, analyse, sparseDot, weigh } from '../src/recommend/features.js';
import { type RankPaper, featureColumns, fitReader } from '../src/recommend/ranker.js';
import { numberArg } from './metrics.js';
import { readerDays, withRecsys } from './recommend.js';

type Col = Float64Array;

function z(xs: Col): Col {
  const n = xs.length;
  let m = 0;
  for (const x of xs) m += x;
  m /= Math.max(1, n);
  let v = 0;
  for (const x of xs) v += (x - m) ** 2;
  const sd = Math.sqrt(v / Math.max(1, n));
  return xs.map((x) => (sd > 1e-12 ? (x - m) / sd : 0));
}

export async function benchRecommendLab(args: string[]): Promise<void> {
  const folds = numberArg(args, 'folds', 5);
  await withRecsys(args, async ({ rows, readers, byDay, announced, recommender }) => {
    const allIds = rows.map((r) => r.id);
    const paper = new Map((await recommender.papersFor(allIds)).map((p) => [p.id, p]));
    const isCategory = (c: string) => /^[a-z-]+(\.[A-Za-z-]+)?$/.test(c);
    const cats = new Map(rows.map((r) => [r.id, r.categories.filter(isCategory)]));
    // title-only text
    const tstats = new TermStats();
    const tcounts = new Map(rows.map((r) => [r.id, analyse({ title: r.title, abstract: '' }).counts]));
    for (const c of tcounts.values()) tstats.add(c);
    const titleVec = new Map([...tcounts].map(([id, c]) => [id, weigh(c, tstats)]));
    // corpus mean of vectors (centering)
    const dim = paper.get(allIds[0])!.vector!.length;
    const cmean = new Float64Array(dim);
    let nv = 0;
    for (const p of paper.values())
      if (p.vector) {
        nv++;
        for (let d = 0; d < dim; d++) cmean[d] += p.vector[d];
      }
    for (let d = 0; d < dim; d++) cmean[d] /= nv;
    const centred = new Map<string, Float32Array>();
    for (const p of paper.values())
      if (p.vector) {
        const v = new Float32Array(dim);
        let n = 0;
        for (let d = 0; d < dim; d++) {
          v[d] = p.vector[d] - cmean[d];
          n += v[d] * v[d];
        }
        n = Math.sqrt(n) || 1;
        for (let d = 0; d < dim; d++) v[d] /= n;
        centred.set(p.id, v);
      }
    // corpus covariance (+ ridge), Cholesky-factored, for the Fisher direction
    const cov = new Float64Array(dim * dim);
    for (const p of paper.values())
      if (p.vector) {
        const v = p.vector;
        for (let a = 0; a < dim; a++) {
          const x = v[a] - cmean[a];
          for (let b = 0; b <= a; b++) cov[a * dim + b] += (x * (v[b] - cmean[b])) / nv;
        }
      }
    let tr = 0;
    for (let a = 0; a < dim; a++) tr += cov[a * dim + a];
    const ridge = numberArg(args, 'ridge', 0.1) * (tr / dim);
    for (let a = 0; a < dim; a++) cov[a * dim + a] += ridge;
    const Lc = new Float64Array(dim * dim);
    for (let a = 0; a < dim; a++)
      for (let b = 0; b <= a; b++) {
        let s = cov[a * dim + b];
        for (let k = 0; k < b; k++) s -= Lc[a * dim + k] * Lc[b * dim + k];
        Lc[a * dim + b] = a === b ? Math.sqrt(s) : s / Lc[b * dim + b];
      }
    const solve = (rhs: Float64Array) => {
      const y = new Float64Array(dim);
      for (let a = 0; a < dim; a++) {
        let s = rhs[a];
        for (let k = 0; k < a; k++) s -= Lc[a * dim + k] * y[k];
        y[a] = s / Lc[a * dim + a];
      }
      const x = new Float64Array(dim);
      for (let a = dim - 1; a >= 0; a--) {
        let s = y[a];
        for (let k = a + 1; k < dim; k++) s -= Lc[k * dim + a] * x[k];
        x[a] = s / Lc[a * dim + a];
      }
      return x;
    };
    const dotv = (a: Float32Array, b: Float32Array) => {
      let s = 0;
      for (let d = 0; d < a.length; d++) s += a[d] * b[d];
      return s;
    };
    const meanSparse = (vs: SparseVector[], w: number, acc = new Map<number, number>()) => {
      for (const v of vs) for (let i = 0; i < v.ids.length; i++) acc.set(v.ids[i], (acc.get(v.ids[i]) ?? 0) + (w * v.weights[i]) / vs.length);
      return acc;
    };
    const dotMap = (m: Map<number, number>, v: SparseVector) => {
      let s = 0;
      for (let i = 0; i < v.ids.length; i++) s += (m.get(v.ids[i]) ?? 0) * v.weights[i];
      return s;
    };

    const cases = readerDays(readers, announced);

    // per reader: the model and the extra profiles
    const t0 = performance.now();
    const perReader = readers.map((r) => {
      const liked = r.liked.flatMap((id) => (paper.has(id) ? [paper.get(id)!] : []));
      const model = fitReader(liked);
      const likedCats = new Map<string, number>();
      const likedPrim = new Map<string, number>();
      for (const p of liked) {
        const cs = cats.get(p.id) ?? [];
        for (const c of cs) likedCats.set(c, (likedCats.get(c) ?? 0) + 1);
        if (cs[0]) likedPrim.set(cs[0], (likedPrim.get(cs[0]) ?? 0) + 1);
      }
      const title = meanSparse(
        liked.map((p) => titleVec.get(p.id)!),
        1,
      );
      // same-day negatives
      const likedSet = new Set(liked.map((p) => p.id));
      const negIds = new Set<string>();
      for (const p of liked) for (const id of byDay.get(announced.get(p.id)!) ?? []) if (!likedSet.has(id)) negIds.add(id);
      const negs = [...negIds].map((id) => paper.get(id)!).filter(Boolean);
      const contrast = meanSparse(
        negs.map((p) => p.text),
        -1,
        meanSparse(
          liked.map((p) => p.text),
          1,
        ),
      );
      // logistic regression on the corpus-model vectors, same-day negatives, balanced
      const lr = new Float64Array(dim + 1);
      {
        const step = Math.max(1, Math.floor(negs.length / (10 * Math.max(1, liked.length))));
        const X = [...liked.filter((p) => p.vector), ...negs.filter((p, i) => p.vector && i % step === 0)];
        const y = X.map((_, i) => (i < liked.filter((p) => p.vector).length ? 1 : 0));
        const npos = y.filter((v) => v).length;
        const nneg = y.length - npos;
        const wpos = 0.5 / Math.max(1, npos);
        const wneg = 0.5 / Math.max(1, nneg);
        const lambda = 1e-3;
        const grad = new Float64Array(dim + 1);
        for (let it = 0; it < (args.includes('--lr') ? 100 : 0); it++) {
          grad.fill(0);
          for (let i = 0; i < X.length; i++) {
            const v = X[i].vector!;
            let s = lr[dim];
            for (let d = 0; d < dim; d++) s += lr[d] * v[d];
            const pr = 1 / (1 + Math.exp(-s));
            const g = (pr - y[i]) * (y[i] ? wpos : wneg);
            for (let d = 0; d < dim; d++) grad[d] += g * v[d];
            grad[dim] += g;
          }
          for (let d = 0; d < dim; d++) lr[d] -= 5 * (grad[d] + lambda * lr[d]);
          lr[dim] -= 5 * grad[dim];
        }
      }
      const fisher = new Float64Array(dim);
      const fisherCorpus = new Float64Array(dim);
      {
        const diff = new Float64Array(dim);
        const lv = liked.filter((p) => p.vector);
        const nv2 = negs.filter((p) => p.vector);
        for (const p of lv) for (let d = 0; d < dim; d++) diff[d] += p.vector![d] / lv.length;
        for (const p of nv2) for (let d = 0; d < dim; d++) diff[d] -= p.vector![d] / nv2.length;
        fisher.set(solve(diff));
        diff.fill(0);
        for (const p of lv) for (let d = 0; d < dim; d++) diff[d] += p.vector![d] / lv.length - cmean[d] / lv.length;
        fisherCorpus.set(solve(diff));
      }
      const likedCentred = liked.flatMap((p) => (centred.has(p.id) ? [centred.get(p.id)!] : []));
      return { model, liked, likedCats, likedPrim, title, contrast, lr, likedCentred, fisher, fisherCorpus };
    });
    console.error(`lab: readers fitted in ${Math.round(performance.now() - t0)} ms`);

    const NAMES = [
      'text',
      'vector',
      'nearest',
      'owners',
      'title',
      'cats',
      'prim',
      'nearText',
      'top3',
      'nearCentred',
      'contrast',
      'lrVec',
      'fisher',
      'fisherCorpus',
    ] as const;
    type Name = (typeof NAMES)[number];
    const data = cases.map((c) => {
      const R = perReader[c.reader];
      const list: RankPaper[] = byDay.get(c.day)!.flatMap((id) => (paper.has(id) && !R.model.known.has(id) ? [paper.get(id)!] : []));
      const base = featureColumns(R.model, list);
      const n = list.length;
      const cols: Record<Name, Col> = Object.fromEntries(NAMES.map((k) => [k, new Float64Array(n)])) as Record<Name, Col>;
      cols.text = base.text;
      cols.vector = base.vector;
      cols.nearest = base.nearest;
      cols.owners = base.owners;
      list.forEach((p, k) => {
        cols.title[k] = dotMap(R.title, titleVec.get(p.id)!);
        const cs = cats.get(p.id) ?? [];
        let s = 0;
        for (const x of cs) s += Math.log1p(R.likedCats.get(x) ?? 0);
        cols.cats[k] = s;
        cols.prim[k] = Math.log1p(R.likedPrim.get(cs[0]) ?? 0);
        let best = 0;
        for (const l of R.liked) best = Math.max(best, sparseDot(l.text, p.text));
        cols.nearText[k] = best;
        if (p.vector) {
          const sims = R.liked.filter((l) => l.vector).map((l) => dotv(l.vector!, p.vector!));
          sims.sort((a, b) => b - a);
          cols.top3[k] = (sims[0] + (sims[1] ?? sims[0]) + (sims[2] ?? sims[0])) / 3;
          let s2 = R.lr[dim];
          for (let d = 0; d < dim; d++) s2 += R.lr[d] * p.vector[d];
          cols.lrVec[k] = s2;
          let s3 = 0;
          for (let d = 0; d < dim; d++) s3 += R.fisher[d] * p.vector[d];
          cols.fisher[k] = s3;
          let s4 = 0;
          for (let d = 0; d < dim; d++) s4 += R.fisherCorpus[d] * p.vector[d];
          cols.fisherCorpus[k] = s4;
        }
        const cv = centred.get(p.id);
        if (cv) {
          let b = -1;
          for (const l of R.likedCentred) b = Math.max(b, dotv(l, cv));
          cols.nearCentred[k] = b;
        }
        cols.contrast[k] = dotMap(R.contrast, p.text);
      });
      for (const k of NAMES.slice(4)) cols[k] = z(cols[k]);
      return { cols, target: Uint8Array.from(list, (p) => (c.targets.has(p.id) ? 1 : 0)), fold: c.reader % folds };
    });
    console.error(`lab: features in ${Math.round(performance.now() - t0)} ms`);

    const rr = (i: number, keys: Name[], w: number[]) => {
      const { cols, target } = data[i];
      const n = target.length;
      const s = new Float64Array(n);
      keys.forEach((k, j) => {
        const c = cols[k];
        for (let r = 0; r < n; r++) s[r] += w[j] * c[r];
      });
      let best = Number.NEGATIVE_INFINITY;
      for (let r = 0; r < n; r++) if (target[r]) best = Math.max(best, s[r]);
      let rank = 1;
      for (let r = 0; r < n; r++) if (!target[r] && s[r] > best) rank++;
      return 1 / rank;
    };
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const GRID = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5];
    const fit = (train: number[], keys: Name[]) => {
      const init: Record<string, number> = { text: 1, vector: 1.5, nearest: 2.5, owners: 1 };
      const w = keys.map((k) => init[k] ?? 0);
      let best = mean(train.map((i) => rr(i, keys, w)));
      for (let round = 0; round < 2; round++)
        for (let j = 1; j < keys.length; j++) {
          let chosen = w[j];
          for (const x of GRID) {
            w[j] = x;
            const m = mean(train.map((i) => rr(i, keys, w)));
            if (m > best + 1e-9) {
              best = m;
              chosen = x;
            }
          }
          w[j] = chosen;
        }
      return w;
    };
    const cv = (keys: Name[]) => {
      const perFold: number[] = [];
      const all: number[] = [];
      const ws: number[][] = [];
      for (let f = 0; f < folds; f++) {
        const train = data.map((d, i) => (d.fold !== f ? i : -1)).filter((i) => i >= 0);
        const test = data.map((d, i) => (d.fold === f ? i : -1)).filter((i) => i >= 0);
        const w = fit(train, keys);
        ws.push(w);
        const rrs = test.map((i) => rr(i, keys, w));
        perFold.push(mean(rrs));
        all.push(...rrs);
      }
      return { mrr: mean(all), hit10: mean(all.map((x) => (x >= 0.1 ? 1 : 0))), perFold, ws };
    };
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    const baseKeys: Name[] = (args
      .find((a) => a.startsWith('--base='))
      ?.slice(7)
      .split(',') as Name[]) ?? ['text', 'vector', 'nearest', 'owners'];
    const base = cv(baseKeys);
    console.log(JSON.stringify({ keys: baseKeys, mrr: r3(base.mrr), hit10: r3(base.hit10), perFold: base.perFold.map(r3), ws: base.ws }));
    const only = args
      .find((a) => a.startsWith('--only='))
      ?.slice(7)
      .split(',');
    for (const k of NAMES) {
      if (baseKeys.includes(k) || (only && !only.includes(k))) continue;
      const r = cv([...baseKeys, k]);
      const wins = r.perFold.filter((m, f) => m > base.perFold[f] + 1e-9).length;
      console.log(JSON.stringify({ plus: k, mrr: r3(r.mrr), hit10: r3(r.hit10), wins, perFold: r.perFold.map(r3), w: r.ws.map((w) => w[w.length - 1]) }));
    }
    for (const k of baseKeys.slice(1)) {
      const r = cv(baseKeys.filter((x) => x !== k));
      const wins = r.perFold.filter((m, f) => m > base.perFold[f] + 1e-9).length;
      console.log(JSON.stringify({ minus: k, mrr: r3(r.mrr), hit10: r3(r.hit10), wins, perFold: r.perFold.map(r3) }));
    }
  });
}
