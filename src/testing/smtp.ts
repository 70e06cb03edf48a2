import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { waitFor } from './wait.js';

// A real SMTP server on loopback for tests: it speaks SMTP, parses what arrives, and can be told
// to fail (a 4xx or 5xx reply, or dropping the connection) for the next N messages.

export type Failure = { kind: 'reply'; code: number; message?: string } | { kind: 'drop' };

export interface TestSmtp {
  port: number;
  url: string;
  messages: ParsedMail[];
  /** fail the next `times` messages this way */
  failNext(failure: Failure, times?: number): void;
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  /**
   * Resolves when no message is in the middle of being sent (MAIL FROM given, not yet answered).
   * A sender that awaits its send is done before this; with it, "nothing more arrived" is checked
   * without sleeping.
   */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const messages: ParsedMail[] = [];
  const failures: Failure[] = [];
  /** sessions with a message in progress */
  const sending = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onMailFrom(_address, session, callback) {
      sending.add(session.id);
      callback();
    },
    onClose(session) {
      sending.delete(session.id);
    },
    onData(stream, session, callback) {
      const done = (err?: Error | null) => {
        sending.delete(session.id);
        callback(err);
      };
      const failure = failures.shift();
      if (failure?.kind === 'drop') {
        stream.resume();
        // Close the socket mid-transaction, as a crashing or overloaded server would.
        (session as unknown as { socket?: { destroy(): void } }).socket?.destroy();
        (server as unknown as { connections: Set<{ _socket: { destroy(): void } }> }).connections.forEach((c) => c._socket.destroy());
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          if (failure?.kind === 'reply') {
            const err = new Error(failure.message ?? `test failure ${failure.code}`) as Error & { responseCode: number };
            err.responseCode = failure.code;
            return done(err);
          }
          messages.push(mail);
          done();
        })
        .catch(done);
    },
  });
  // A client that dies mid-conversation (a killed sender) resets its socket; that is the client's
  // failure, not the server's, and must not surface as an uncaught error in the test process.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    failNext(failure, times = 1) {
      for (let i = 0; i < times; i++) failures.push(failure);
    },
    async waitFor(count, timeoutMs = 5000) {
      await waitFor(() => messages.length >= count, { what: `${count} messages`, timeoutMs, intervalMs: 20 }).catch(() => {
        throw new Error(`smtp: waited for ${count} messages, got ${messages.length}`);
      });
      return messages;
    },
    idle: (timeoutMs = 5000) => waitFor(() => sending.size === 0, { what: 'the SMTP server to have no message in progress', timeoutMs }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
