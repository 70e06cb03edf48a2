// Small, real PDFs written here for tests (thumbnails): one US Letter page with a title, an author
// line and a few lines of text in Helvetica, its xref offsets counted, so pdftoppm reads it as is;
// and a loopback server that hands them out as arXiv's /pdf/ID does.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

function escapePdf(text: string): string {
  return text.replace(/[\\()]/g, (c) => `\\${c}`);
}

/** A one-page PDF; `lines` of body text under the title (a heading-like page 1 of a paper). */
export function smallPdf(title: string, lines = 24): Buffer {
  const body = Array.from({ length: lines }, (_, i) =>
    i % 7 === 6 ? '' : 'We study the problem and show that the method improves on earlier work by a wide margin, at a fraction of its cost.',
  );
  const text = [
    `BT /F1 20 Tf 72 710 Td (${escapePdf(title)}) Tj ET`,
    'BT /F1 11 Tf 72 684 Td (A. Author, B. Author and C. Author) Tj ET',
    'BT /F1 13 Tf 72 650 Td (Abstract) Tj ET',
    ...body.map((line, i) => `BT /F1 9 Tf 72 ${630 - i * 13} Td (${escapePdf(line)}) Tj ET`),
  ].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export interface PdfServer {
  /** ARXIV_PDF_URL: the PDF of paper ID is at `${url}/ID` */
  url: string;
  /** requests per path (`/pdf/ID`) */
  asked: Map<string, number>;
  /** the User-Agent of every request */
  agents: string[];
  close(): Promise<void>;
}

/**
 * A loopback stand-in for arXiv's PDFs. `answer(id, res)` may answer a request itself (a 404, a
 * page that is no PDF, a slow PDF) and says whether it did; every other id gets smallPdf.
 */
export async function servePdfs(answer: (id: string, res: http.ServerResponse) => boolean = () => false): Promise<PdfServer> {
  const asked = new Map<string, number>();
  const agents: string[] = [];
  const server = http.createServer((req, res) => {
    const p = req.url ?? '';
    asked.set(p, (asked.get(p) ?? 0) + 1);
    agents.push(String(req.headers['user-agent']));
    const id = p.replace(/^\/pdf\//, '');
    if (!answer(id, res)) res.writeHead(200, { 'content-type': 'application/pdf' }).end(smallPdf(`Paper ${id}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pdf`,
    asked,
    agents,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
