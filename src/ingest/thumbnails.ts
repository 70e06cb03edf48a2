import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql, type Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Schema } from '../storage/schema.js';
import { feedPapersChanged } from '../feed/daily.js';
import { HttpError, HttpTooLarge, type PoliteHttp } from './polite-http.js';
import { writeWhole } from '../util/write-whole.js';

// Thumbnails (issue #28, THUMBNAILS=on): page 1 of a paper's PDF, fetched through the process's
// polite arXiv client (one request at a time, a few seconds apart, the operator named in the
// User-Agent, as arXiv asks) and rendered small by poppler's pdftoppm into DATA_DIR/thumbnails/.
// Pages ask for the papers they show (askFor); a worker job draws what was asked (drawDue), one
// at a time. The table paper_thumbnails (migration 0022) tells every process what is drawn, and
// keeps the image for processes whose DATA_DIR the worker's is not.

/** Width in pixels of a drawn thumbnail (shown at half that, sharp on high-density screens). */
export const THUMBNAIL_WIDTH = 240;
/** A PDF larger than this is not fetched whole: recorded as failed. */
export const MAX_PDF_BYTES = 30 * 2 ** 20;
/** pdftoppm gets this long for page 1. */
export const RENDER_TIMEOUT_MS = 20_000;
/** A worker that took a paper and died: another may take it after this. */
const CLAIM_MS = 10 * 60_000;
/** A failure that may pass (no answer, 5xx) is tried again this much later, at most MAX_ATTEMPTS times in all. */
const RETRY_LATER_MS = 60 * 60_000;
const MAX_ATTEMPTS = 3;
/**
 * Drawn thumbnails make the cached pages that list them stale (feedPapersChanged: one bump of the
 * feed version, which re-renders every cached page) at most this often during a run, and once at its
 * end: a bump per thumbnail would empty the page cache every few seconds while a feed day is drawn.
 */
export const CACHED_PAGES_EVERY_MS = 30_000;

export interface Thumbnail {
  /** the drawn image's size in pixels */
  width: number;
  height: number;
}

export interface ThumbnailSettings {
  /** the PDF of paper ID is at `${pdfUrl}/${ID}` (arXiv: https://arxiv.org/pdf) */
  pdfUrl: string;
  /** where the images are kept (DATA_DIR/thumbnails) */
  dir: string;
  pdftoppm?: string;
  renderTimeoutMs?: number;
  maxPdfBytes?: number;
}

export interface DrawResult {
  drawn: number;
  failed: number;
  /** passing failures, to be tried again later */
  later: number;
}

export interface Thumbnails {
  /** The drawn thumbnails of these papers (nothing is asked for). */
  drawn(ids: string[]): Promise<Map<string, Thumbnail>>;
  /** The drawn thumbnails of these papers; the ones never asked for are asked for now (the worker draws them). */
  askFor(ids: string[]): Promise<Map<string, Thumbnail>>;
  /** Draws every paper asked for and due, one at a time, until none is left or `shouldStop`. */
  drawDue(o?: { shouldStop?: () => boolean; log?: (line: string) => void }): Promise<DrawResult>;
  /** The image file of a paper's thumbnail in this process's DATA_DIR (it may not exist). */
  file(id: string): string;
  /** A drawn thumbnail's PNG (from DATA_DIR, else copied there from the database), or null. */
  read(id: string): Promise<Buffer | null>;
}

/** A paper id as a file name: old-style ids (hep-th/9901001) hold a slash. */
export function thumbnailName(id: string): string {
  return `${id.replace('/', '_')}.png`;
}

/** The paper id of a thumbnail's file name, or null when the name is not one. */
export function idOfThumbnailName(name: string): string | null {
  const m = /^([a-z-]+(?:\.[A-Z]{2})?)_(\d{7})\.png$/.exec(name) ?? /^(\d{4}\.\d{4,5})\.png$/.exec(name);
  if (!m) return null;
  return m.length === 3 ? `${m[1]}/${m[2]}` : m[1];
}

/** Whether pdftoppm runs here (null) or why not. */
export function pdftoppmMissing(bin = 'pdftoppm'): string | null {
  try {
    execFileSync(bin, ['-v'], { stdio: 'ignore', timeout: 5000 });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Width and height from a PNG's header (IHDR), or null when the bytes are no PNG. */
export function pngSize(bytes: Buffer): Thumbnail | null {
  if (bytes.length < 24 || bytes.toString('latin1', 1, 4) !== 'PNG' || bytes.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

class DrawFailure extends Error {
  constructor(
    message: string,
    /** may pass by itself (no answer, 5xx): try again later */
    public passing = false,
  ) {
    super(message);
  }
}

const run = promisify(execFile);

/** Page 1 of `pdf` as a PNG THUMBNAIL_WIDTH wide, with its size; drawn in a temporary folder inside `dir`. */
async function render(pdf: Buffer, dir: string, s: ThumbnailSettings): Promise<{ png: Buffer; size: Thumbnail }> {
  const work = await fs.mkdtemp(path.join(dir, '.draw-'));
  try {
    const input = path.join(work, 'in.pdf');
    await fs.writeFile(input, pdf);
    try {
      await run(
        s.pdftoppm ?? 'pdftoppm',
        ['-png', '-f', '1', '-l', '1', '-singlefile', '-scale-to-x', String(THUMBNAIL_WIDTH), '-scale-to-y', '-1', input, path.join(work, 'out')],
        { timeout: s.renderTimeoutMs ?? RENDER_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 20 },
      );
    } catch (e) {
      const err = e as Error & { killed?: boolean; stderr?: string };
      if (err.killed) throw new DrawFailure(`pdftoppm took longer than ${s.renderTimeoutMs ?? RENDER_TIMEOUT_MS} ms`);
      throw new DrawFailure(`pdftoppm failed: ${(err.stderr || err.message).trim().split('\n')[0].slice(0, 200)}`);
    }
    const png = await fs.readFile(path.join(work, 'out.png')).catch(() => Buffer.alloc(0));
    const size = pngSize(png);
    if (!size) throw new DrawFailure('pdftoppm wrote no image');
    return { png, size };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

export function createThumbnails(db: Kysely<Schema>, http: PoliteHttp, s: ThumbnailSettings, now: () => number = Date.now): Thumbnails {
  const iso = (ms = now()) => new Date(ms).toISOString();
  let dirReady: Promise<unknown> | null = null;
  const file = (id: string) => path.join(s.dir, thumbnailName(id));

  async function fetchPdf(id: string): Promise<Buffer> {
    try {
      return await http.getBytes(
        `${s.pdfUrl.replace(/\/+$/, '')}/${id}`,
        { accept: 'application/pdf', maxBytes: s.maxPdfBytes ?? MAX_PDF_BYTES },
        (res) => res.bytes,
      );
    } catch (e) {
      if (e instanceof HttpTooLarge) throw new DrawFailure(`PDF too large: ${e.message}`);
      if (e instanceof HttpError) throw new DrawFailure(e.message, e.status === null || e.status >= 500 || e.status === 429);
      throw e;
    }
  }

  const ready = () => (dirReady ??= fs.mkdir(s.dir, { recursive: true }));

  async function draw(id: string): Promise<{ png: Buffer; size: Thumbnail }> {
    const pdf = await fetchPdf(id);
    if (pdf.subarray(0, 1024).indexOf('%PDF-') < 0)
      throw new DrawFailure(`not a PDF (${pdf.length} bytes starting ${JSON.stringify(pdf.toString('latin1', 0, 16))})`);
    await ready();
    const drawn = await render(pdf, s.dir, s);
    await writeWhole(file(id), drawn.png);
    return drawn;
  }

  /** The next due paper, taken for this worker; null when none is due. */
  async function claim(): Promise<string | null> {
    for (;;) {
      const t = iso();
      const row = await db
        .selectFrom('paper_thumbnails')
        .select(['paper_id', 'status', 'due_at'])
        .where('status', 'in', ['pending', 'drawing'])
        .where('due_at', '<=', t)
        .orderBy('due_at')
        .limit(1)
        .executeTakeFirst();
      if (!row) return null;
      // Taken only if no other worker took it meanwhile.
      const r = await db
        .updateTable('paper_thumbnails')
        .set({ status: 'drawing', due_at: iso(now() + CLAIM_MS) })
        .where('paper_id', '=', row.paper_id)
        .where('status', '=', row.status)
        .where('due_at', '=', row.due_at)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) return row.paper_id;
    }
  }

  async function rowsOf(ids: string[]) {
    const rows = ids.length
      ? await db.selectFrom('paper_thumbnails').select(['paper_id', 'status', 'width', 'height']).where('paper_id', 'in', ids).execute()
      : [];
    const shown = new Map<string, Thumbnail>();
    for (const r of rows) if (r.status === 'ok' && r.width && r.height) shown.set(r.paper_id, { width: Number(r.width), height: Number(r.height) });
    return { rows, shown };
  }

  return {
    file,
    async read(id) {
      const kept = await fs.readFile(file(id)).catch(() => null);
      if (kept) return kept;
      // Drawn by a process with another DATA_DIR (or host): copied from the database into this one's.
      const row = await db.selectFrom('paper_thumbnails').select('image').where('paper_id', '=', id).where('status', '=', 'ok').executeTakeFirst();
      if (!row?.image) return null;
      const png = Buffer.from(row.image);
      await ready();
      await writeWhole(file(id), png);
      return png;
    },
    async drawn(ids) {
      return (await rowsOf(ids)).shown;
    },
    async askFor(ids) {
      const { rows, shown } = await rowsOf(ids);
      const known = new Set(rows.map((r) => r.paper_id));
      const asked = [...new Set(ids.filter((id) => !known.has(id)))];
      if (asked.length) {
        const t = iso();
        await db
          .insertInto('paper_thumbnails')
          .values(asked.map((paper_id) => ({ paper_id, status: 'pending' as const, due_at: t })))
          .onConflict((oc) => oc.column('paper_id').doNothing())
          .execute();
      }
      return shown;
    },
    async drawDue(o = {}) {
      const r: DrawResult = { drawn: 0, failed: 0, later: 0 };
      // Drawn since cached pages were last told. A failure changes no page (no thumbnail before or after);
      // a run cut short by an unexpected error tells nobody: those pages expire within a minute anyway.
      let fresh: string[] = [];
      let toldAt = now();
      const tell = async () => {
        if (fresh.length) await feedPapersChanged(db, fresh);
        fresh = [];
        toldAt = now();
      };
      while (!o.shouldStop?.()) {
        if (fresh.length && now() - toldAt >= CACHED_PAGES_EVERY_MS) await tell();
        const id = await claim();
        if (!id) break;
        try {
          const { png, size } = await draw(id);
          await db
            .updateTable('paper_thumbnails')
            .set({ status: 'ok', width: size.width, height: size.height, image: png, error: null, done_at: iso() })
            .where('paper_id', '=', id)
            .execute();
          r.drawn++;
          fresh.push(id);
        } catch (e) {
          if (!(e instanceof DrawFailure)) throw e;
          const again = e.passing
            ? await db
                .selectFrom('paper_thumbnails')
                .select('attempts')
                .where('paper_id', '=', id)
                .executeTakeFirst()
                .then((x) => Number(x?.attempts ?? 0) + 1 < MAX_ATTEMPTS)
            : false;
          await db
            .updateTable('paper_thumbnails')
            .set({
              status: again ? 'pending' : 'failed',
              error: e.message.slice(0, 500),
              attempts: sql`attempts + 1`,
              due_at: iso(now() + (again ? RETRY_LATER_MS : 0)),
              done_at: again ? null : iso(),
            })
            .where('paper_id', '=', id)
            .execute();
          if (again) r.later++;
          else r.failed++;
          o.log?.(`thumbnails: ${id}: ${e.message}${again ? ' (trying again in an hour)' : ''}`);
        }
      }
      await tell();
      return r;
    },
  };
}

/**
 * The process's thumbnails, or null when THUMBNAILS is off, or on without pdftoppm (said once in
 * the log: the feature stays off rather than failing every paper).
 */
export function openThumbnails(config: Config, db: Kysely<Schema>, http: PoliteHttp, log: (line: string) => void, pdftoppm = 'pdftoppm'): Thumbnails | null {
  if (config.thumbnails !== 'on') return null;
  const missing = pdftoppmMissing(pdftoppm);
  if (missing) {
    log(`thumbnails: THUMBNAILS=on, but pdftoppm does not run here (install poppler-utils); thumbnails stay off. ${missing}`);
    return null;
  }
  return createThumbnails(db, http, { pdfUrl: config.arxivPdfUrl, dir: path.join(config.dataDir, 'thumbnails'), pdftoppm });
}
