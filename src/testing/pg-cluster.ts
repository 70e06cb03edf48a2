import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// A throw-away PostgreSQL cluster for tests: initdb into a temp dir, start on 127.0.0.1 at a
// free port, remove it afterwards. initdb and postgres refuse to run as root, so as root they
// run as the `postgres` user on a directory it owns.

export interface PgCluster {
  url: string;
  port: number;
  dir: string;
  /** Crash PostgreSQL (`pg_ctl stop -m immediate`) and start it again on the same data and port. */
  restart(): void;
  stop(): void;
}

export function findPgBin(): string | null {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return null;
  const versions = fs
    .readdirSync(base)
    .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], 'bin') : null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * `durable`: keep PostgreSQL's own commit guarantees (no fsync=off, synchronous_commit=off), for the
 * soak bench that crashes it and counts the acknowledged writes it kept; tests want speed instead.
 */
export async function startPgCluster(options: { durable?: boolean } = {}): Promise<PgCluster> {
  const bin = findPgBin();
  if (!bin) throw new Error('testing: PostgreSQL is not installed (apt-get install -y postgresql)');
  const isRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-pg-'));
  const asPg = (cmd: string, args: string[]) => (isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];
  if (isRoot) execFileSync('chown', ['postgres:postgres', dir]);
  fs.chmodSync(dir, 0o700);
  const data = path.join(dir, 'data');
  const [c1, a1] = asPg(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const init = spawnSync(c1, a1, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`testing: initdb failed: ${init.stderr || init.stdout}`);
  const port = await freePort();
  const fast = options.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${fast} -c max_connections=200`;
  const start = () => {
    const [c2, a2] = asPg(path.join(bin, 'pg_ctl'), ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', 'start']);
    const started = spawnSync(c2, a2, { encoding: 'utf8' });
    if (started.status !== 0) {
      const log = fs.existsSync(path.join(dir, 'log')) ? fs.readFileSync(path.join(dir, 'log'), 'utf8') : '';
      throw new Error(`testing: postgres did not start: ${started.stderr}${log}`);
    }
  };
  const stopNow = () => {
    const [c3, a3] = asPg(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    spawnSync(c3, a3, { encoding: 'utf8' });
  };
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    restart() {
      stopNow();
      start();
    },
    stop() {
      stopNow();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
