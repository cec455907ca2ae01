// A PostgreSQL server of a test's own, from the machine's Debian binaries, in a temporary folder:
// logical decoding on (`wal_level=logical`, what Debezium's pgoutput needs), trust authentication
// on loopback, a port of its own. Stopped and started again on the same data, it is a database
// restart, not a wipe. PostgreSQL refuses to run as root: as root it runs as the `postgres` user.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

const HOST = '127.0.0.1';
const USER = 'segmentation';
const run = promisify(execFile);

export interface PostgresServerHandle {
  host: string;
  port: number;
  user: string;
  database: string;
  /** Runs SQL (psql, stops at the first error) and returns what it prints, unaligned, tuples only. */
  sql(statements: string): Promise<string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  remove(): Promise<void>;
}

/** The newest PostgreSQL of the machine's Debian packages (`postgresql`, infra/os-packages.sh). */
function binaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const bin = versions.map((v) => join(root, v, 'bin')).find((b) => existsSync(join(b, 'initdb')));
  if (bin === undefined)
    throw new Error(
      "PostgreSQL server binaries not found under /usr/lib/postgresql: install Debian's postgresql package (bash infra/os-packages.sh does)",
    );
  return bin;
}

export async function startPostgresServer(): Promise<PostgresServerHandle> {
  const bin = binaries();
  const port = await freePort(HOST);
  const dir = mkdtempSync(join(tmpdir(), 'postgres-cdc-'));
  const data = join(dir, 'data');
  // As root, every server step runs as the postgres system user, who owns the folder.
  const asOwner = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asOwner.length > 0) {
    const { uid, gid } = await run('id', ['-u', 'postgres']).then(async (u) => ({
      uid: Number(u.stdout),
      gid: Number((await run('id', ['-g', 'postgres'])).stdout),
    }));
    chownSync(dir, uid, gid);
  }
  const command = (program: string, args: string[]): [string, string[]] =>
    asOwner.length > 0 ? [asOwner[0]!, [...asOwner.slice(1), join(bin, program), ...args]] : [join(bin, program), args];
  await run(...command('initdb', ['-D', data, '--auth=trust', '-U', USER, '--encoding=UTF8', '--no-sync']));
  let child: ChildProcess | undefined;
  const ready = () =>
    run(join(bin, 'pg_isready'), ['-h', HOST, '-p', String(port)]).then(
      () => true,
      () => false,
    );
  const start = async () => {
    const [program, args] = command('postgres', [
      '-D',
      data,
      '-p',
      String(port),
      '-c',
      `listen_addresses=${HOST}`,
      '-c',
      `unix_socket_directories=${dir}`,
      '-c',
      'wal_level=logical',
      '-c',
      'max_replication_slots=4',
      '-c',
      'max_wal_senders=4',
      '-c',
      'fsync=off',
    ]);
    const started = spawn(program, args, { stdio: 'ignore' });
    child = started;
    const outcome = await waitFor(
      `PostgreSQL on ${HOST}:${port}`,
      async () => (started.exitCode !== null ? 'exited' : (await ready()) && 'up'),
      30_000,
    );
    if (outcome === 'exited') throw new Error(`postgres exited with ${started.exitCode} while starting (data folder ${data})`);
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    // Fast shutdown of the postmaster itself (runuser, between us and it, forwards no signal):
    // transactions end, the WAL is written, clients are told.
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGINT');
    await exited;
  };
  await start();
  return {
    host: HOST,
    port,
    user: USER,
    database: 'postgres',
    async sql(statements) {
      const { stdout } = await run(join(bin, 'psql'), [
        '-h',
        HOST,
        '-p',
        String(port),
        '-U',
        USER,
        '-d',
        'postgres',
        '-v',
        'ON_ERROR_STOP=1',
        '-qAt',
        '-c',
        statements,
      ]);
      return stdout.trim();
    },
    stop,
    start,
    async remove() {
      await stop();
      if (statSync(dir, { throwIfNoEntry: false })) rmSync(dir, { recursive: true, force: true });
    },
  };
}
