// A local SMTP server for the digest benchmark, run in a worker thread so that receiving mail
// does not share the sender's event loop: accepts every message, drains it, counts it.
import { parentPort } from 'node:worker_threads';
import { SMTPServer } from 'smtp-server';

let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  maxClients: 256,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});
server.on('error', () => {});
server.listen(0, '127.0.0.1', () => {
  parentPort!.postMessage({ port: (server.server.address() as { port: number }).port });
});
parentPort!.on('message', (m) => {
  if (m === 'count') parentPort!.postMessage({ received });
  if (m === 'close') server.close(() => process.exit(0));
});
