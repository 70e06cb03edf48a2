import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';

// Outgoing mail: over SMTP when SMTP_URL is set (STARTTLS where the server offers it), otherwise
// written as .eml files to DATA_DIR/outbox so the embedded default works with no mail server.

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** extra headers, e.g. List-Unsubscribe */
  headers?: Record<string, string>;
  /** a stable Message-ID (with angle brackets) so a resend can be recognised */
  messageId?: string;
}

export interface SendResult {
  messageId: string;
  /** the .eml file, when writing to the outbox */
  outboxPath?: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  send(message: MailMessage): Promise<SendResult>;
  close(): void;
}

export interface MailerOptions {
  smtpUrl: string;
  from: string;
  dataDir: string;
  log?: (line: string) => void;
  /** keep up to this many SMTP connections open and reuse them (bulk sending, e.g. digests) */
  pool?: number;
}

/** SMTP 4xx replies and dropped or refused connections are worth retrying; 5xx replies are not. */
export function isTemporaryMailError(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string };
  if (typeof e?.responseCode === 'number') return e.responseCode >= 400 && e.responseCode < 500;
  return ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EDNS'].includes(String(e?.code));
}

function messageIdFor(from: string): string {
  const domain = /@([^>\s]+)/.exec(from)?.[1] ?? 'paperboy.local';
  return `<${crypto.randomUUID()}@${domain}>`;
}

/**
 * The HTML part as nodemailer wants it. A large HTML body (a digest) goes as a stream encoded
 * base64: given a string, nodemailer scans it and quoted-printable encodes it in JavaScript, which
 * costs about twice the CPU per message and limits bulk sending.
 */
function htmlPart(m: MailMessage): { html?: string | Readable; textEncoding?: 'base64' } {
  if (!m.html || m.html.length < 8192) return { html: m.html };
  return { html: Readable.from([m.html]), textEncoding: 'base64' };
}

export function createMailer(options: MailerOptions): Mailer {
  const log = options.log ?? (() => {});
  if (options.smtpUrl) {
    let url = options.smtpUrl;
    if (options.pool) {
      // nodemailer reads transport options from the URL's query; a pool saves a TCP and SMTP handshake per message.
      const u = new URL(url);
      u.searchParams.set('pool', 'true');
      u.searchParams.set('maxConnections', String(options.pool));
      u.searchParams.set('maxMessages', '1000');
      url = u.toString();
    }
    const transport = nodemailer.createTransport(url, { from: options.from });
    return {
      kind: 'smtp',
      async send(m) {
        const messageId = m.messageId ?? messageIdFor(options.from);
        await transport.sendMail({ from: options.from, to: m.to, subject: m.subject, text: m.text, ...htmlPart(m), headers: m.headers, messageId });
        return { messageId };
      },
      close() {
        transport.close();
      },
    };
  }
  const outbox = path.join(options.dataDir, 'outbox');
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'outbox',
    async send(m) {
      const messageId = m.messageId ?? messageIdFor(options.from);
      const info = await builder.sendMail({ from: options.from, to: m.to, subject: m.subject, text: m.text, ...htmlPart(m), headers: m.headers, messageId });
      fs.mkdirSync(outbox, { recursive: true });
      const safeTo = m.to.replace(/[^a-zA-Z0-9@._-]/g, '_').slice(0, 80);
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${safeTo}-${crypto.randomBytes(3).toString('hex')}.eml`;
      const file = path.join(outbox, name);
      // Write then rename, so a reader never sees half a message.
      fs.writeFileSync(`${file}.tmp`, info.message as Buffer);
      fs.renameSync(`${file}.tmp`, file);
      log(`mailer: wrote ${file}`);
      return { messageId, outboxPath: file };
    },
    close() {},
  };
}
