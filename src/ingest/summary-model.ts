import type { Config } from '../config.js';
import { cutAtWord, SUMMARY_MAX, sentences } from '../papers/summary.js';

// A language model behind an OpenAI-compatible chat-completions endpoint (llama.cpp's server,
// Ollama, vLLM: POST {SUMMARY_URL}/chat/completions), asked for one sentence on what a paper does.
// Each call has a time limit; a 5xx, 429 or a refused connection is retried with exponential
// backoff; a time-out is not (a slow local server is not asked again at once: the job retries the
// paper later). The key goes in the Authorization header and nowhere else: errors name the URL's
// host and the status, never the key.

export interface SummaryModelOptions {
  /** base URL, e.g. http://127.0.0.1:8080/v1 */
  url: string;
  model: string;
  /** empty: no Authorization header */
  apiKey: string;
  timeoutMs?: number;
  maxRetries?: number;
  /** first backoff after a 5xx or a network error; doubled on each retry */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SummaryModel {
  readonly model: string;
  /** One cleaned sentence; throws SummaryModelError when the server fails or the answer is unusable. */
  summarise(paper: { title: string; abstract: string }): Promise<string>;
}

export class SummaryModelError extends Error {
  constructor(
    message: string,
    /** the server (not this paper's answer) failed: time-out, refused, 5xx */
    public serverFault: boolean,
  ) {
    super(message);
  }
}

/** An answer longer than this (after cleaning) is rambling, not one sentence: rejected, not cut. */
export const ANSWER_REJECT_LENGTH = 3 * SUMMARY_MAX;

const SYSTEM =
  'You write one-sentence summaries of research papers for a list of new papers. Answer with the sentence only: no preamble, no quotes, no markdown, at most 30 words.';

const sleepFor = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createSummaryModel(o: SummaryModelOptions): SummaryModel {
  const endpoint = `${o.url.replace(/\/+$/, '')}/chat/completions`;
  const where = new URL(endpoint).host;
  const sleep = o.sleep ?? sleepFor;
  const maxRetries = o.maxRetries ?? 3;
  const backoffMs = o.backoffMs ?? 2000;
  const timeoutMs = o.timeoutMs ?? 60_000;

  async function ask(body: string): Promise<unknown> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      let text: string;
      try {
        res = await fetch(endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
        text = await res.text();
      } catch (e) {
        const err = e as Error;
        if (err.name === 'TimeoutError') throw new SummaryModelError(`summary model at ${where}: no answer within ${timeoutMs} ms`, true);
        if (attempt >= maxRetries) throw new SummaryModelError(`summary model at ${where}: ${err.message}`, true);
        await sleep(backoffMs * 2 ** attempt);
        continue;
      }
      if (res.ok) {
        try {
          return JSON.parse(text);
        } catch {
          throw new SummaryModelError(`summary model at ${where}: the answer is not JSON`, false);
        }
      }
      if ((res.status >= 500 || res.status === 429) && attempt < maxRetries) {
        await sleep(backoffMs * 2 ** attempt);
        continue;
      }
      throw new SummaryModelError(`summary model at ${where}: HTTP ${res.status}`, res.status >= 500 || res.status === 429 || res.status === 401);
    }
  }

  return {
    model: o.model,
    async summarise(paper) {
      const body = JSON.stringify({
        model: o.model,
        messages: [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: `Title: ${paper.title}\n\nAbstract: ${paper.abstract}\n\nIn one sentence, what does this paper do?` },
        ],
        temperature: 0.2,
        max_tokens: 120,
        stream: false,
      });
      const answer = (await ask(body)) as { choices?: { message?: { content?: unknown } }[] } | null;
      const content = answer?.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new SummaryModelError(`summary model at ${where}: no choices[0].message.content in the answer`, false);
      const sentence = cleanAnswer(content);
      if (!sentence) throw new SummaryModelError(`summary model at ${where}: an empty answer`, false);
      return sentence;
    },
  };
}

/**
 * The sentence in a model's answer: without a reasoning model's <think> block, markdown, a
 * "Summary:" label, surrounding quotes and line breaks; the first sentence only, cut at a word
 * when longer than SUMMARY_MAX. Null when nothing is left or the answer rambles (longer than
 * ANSWER_REJECT_LENGTH).
 */
export function cleanAnswer(raw: string): string | null {
  let s = raw.replace(/<think>[\s\S]*?(?:<\/think>|$)/gi, ' ');
  // Markdown: emphasis, code, headings, list bullets, links.
  s = s
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__|\*|`)/g, '')
    .replace(/^\s*(?:#{1,6}|[-*+>]|\d+\.)\s+/gm, '');
  s = s.replace(/\s+/g, ' ').trim();
  // Labels and quotes, possibly around each other: "Summary: \"...\"", "**TL;DR:** ...".
  for (let i = 0; i < 3; i++) {
    const before = s;
    s = s.replace(/^(?:(?:one[- ]sentence |one[- ]line )?summary|tl;?dr|answer|sentence)\s*[:\-–—]\s*/i, '');
    const q = /^["'“‘«](.*)["'”’»]$/.exec(s);
    if (q) s = q[1].trim();
    s = s.replace(/^["“«]\s*/, '').replace(/\s*["”»]([.!?]?)$/, '$1');
    if (s === before) break;
  }
  if (!s || s.length > ANSWER_REJECT_LENGTH) return null;
  const first = sentences(s)[0] ?? s;
  const out = cutAtWord(first.trim(), SUMMARY_MAX);
  return out.replace(/[…]$/, '').length >= 3 ? out : null;
}

/** The model of the summaries job, or null when SUMMARY_URL or SUMMARY_MODEL is empty. */
export function summaryModelFor(config: Config): SummaryModel | null {
  if (!config.summaryUrl || !config.summaryModel) return null;
  return createSummaryModel({ url: config.summaryUrl, model: config.summaryModel, apiKey: config.summaryApiKey, timeoutMs: config.summaryTimeoutMs });
}
