import type { Embedder } from './types.js';
import { normalize } from '../vectors/vector-math.js';

/**
 * An OpenAI-compatible embeddings endpoint (POST {base}/embeddings, e.g. an operator's model server
 * at http://host:8080/v1). The dimension is learned from one probe call at start-up.
 */
export async function httpEmbedder(base: string, model: string, timeoutMs = 10_000): Promise<Embedder> {
  const url = `${base.replace(/\/+$/, '')}/embeddings`;
  const call = async (input: string[]): Promise<Float32Array[]> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, input }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`search: embeddings endpoint ${url} answered ${res.status}`);
    const body = (await res.json()) as { data?: { index?: number; embedding: number[] }[] };
    if (!Array.isArray(body.data) || body.data.length !== input.length)
      throw new Error(`search: embeddings endpoint ${url} returned ${body.data?.length ?? 'no'} vectors for ${input.length} inputs`);
    const sorted = [...body.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return sorted.map((d) => {
      const v = Float32Array.from(d.embedding);
      normalize(v);
      return v;
    });
  };
  const [probe] = await call(['dimension probe']);
  const dim = probe.length;
  return {
    name: `http:${model}`,
    version: `${new URL(url).host}:${dim}`,
    dim,
    async embedQuery(text) {
      return (await call([text]))[0];
    },
    async embedPapers(papers) {
      const out: Float32Array[] = [];
      for (let i = 0; i < papers.length; i += 64) {
        out.push(...(await call(papers.slice(i, i + 64).map((p) => `${p.title}\n\n${p.abstract}`))));
      }
      for (const v of out) if (v.length !== dim) throw new Error(`search: embeddings endpoint changed dimension (${v.length}, want ${dim})`);
      return out;
    },
  };
}
