// A Redis server of a test's own, keeping its data on disk (AOF, fsync always), so it can be
// stopped and started again on the same port with nothing lost: an outage, not a wipe. Never the
// machine's own Redis on 6379.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait-for.ts';
import { freePort } from './free-port.ts';

const HOST = '127.0.0.1';

export interface RedisServerHandle {
  url: string;
  /** `rediss://` to the TLS port, when started with `tls`. */
  tlsUrl: string | undefined;
  /** Its data folder (and log, `redis.log`). */
  dir: string;
  /** Shuts the server down (its data stays on disk). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  remove(): Promise<void>;
}

export interface RedisServerOptions {
  /** The server requires it (`requirepass`), and `url` carries it. */
  password?: string;
  /** ACL users (an ACL file); the default user is off and `url` is the first user's. */
  users?: Array<{ name: string; password: string; /** ACL rules: `~seg:* +@read …` */ rules: string }>;
  /** TLS on a port of its own as well (`tlsUrl`); clients need no certificate. PEM files. */
  tls?: { certFile: string; keyFile: string; caFile: string };
}

export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const port = await freePort(HOST);
  const tlsPort = opts.tls === undefined ? undefined : await freePort(HOST);
  const dir = mkdtempSync(join(tmpdir(), 'redis-outage-'));
  let child: ChildProcess | undefined;
  const user = opts.users?.[0];
  const args = ['--port', String(port), '--bind', HOST, '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
  if (opts.password !== undefined) args.push('--requirepass', opts.password);
  if (opts.users !== undefined) {
    const aclFile = join(dir, 'users.acl');
    writeFileSync(aclFile, ['user default off', ...opts.users.map((u) => `user ${u.name} on >${u.password} ${u.rules}`)].join('\n') + '\n');
    args.push('--aclfile', aclFile);
  }
  if (opts.tls !== undefined) {
    args.push(
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      opts.tls.certFile,
      '--tls-key-file',
      opts.tls.keyFile,
      '--tls-ca-cert-file',
      opts.tls.caFile,
      '--tls-auth-clients',
      'no',
    );
  }
  const auth =
    user !== undefined
      ? ['--no-auth-warning', '--user', user.name, '--pass', user.password]
      : opts.password === undefined
        ? []
        : ['--no-auth-warning', '-a', opts.password];
  const ping = async () =>
    promisify(execFile)('redis-cli', ['-h', HOST, '-p', String(port), ...auth, 'ping']).then(
      (r) => r.stdout.trim() === 'PONG',
      () => false,
    );
  const start = async () => {
    const log = openSync(join(dir, 'redis.log'), 'a');
    const started = spawn('redis-server', args, { stdio: ['ignore', log, log] });
    child = started;
    closeSync(log);
    // A server that refuses its options (a build without TLS, say) exits: say so rather than time out.
    const outcome = await waitFor(
      `redis-server on ${HOST}:${port}`,
      async () => (started.exitCode !== null ? 'exited' : (await ping()) && 'up'),
      15_000,
    );
    if (outcome === 'exited')
      throw new StartFailed(
        `redis-server exited with ${started.exitCode}: ${readFileSync(join(dir, 'redis.log'), 'utf8').trim().split('\n').slice(-3).join(' / ')}`,
      );
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  try {
    await start();
  } catch (err) {
    await stop();
    rmSync(dir, { recursive: true, force: true }); // the message quotes the log
    throw err;
  }
  const userinfo =
    user !== undefined
      ? `${encodeURIComponent(user.name)}:${encodeURIComponent(user.password)}@`
      : opts.password === undefined
        ? ''
        : `default:${encodeURIComponent(opts.password)}@`;
  return {
    url: `redis://${userinfo}${HOST}:${port}`,
    tlsUrl: tlsPort === undefined ? undefined : `rediss://${userinfo}${HOST}:${tlsPort}`,
    dir,
    stop,
    start,
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** redis-server exited while starting (its log says why). */
export class StartFailed extends Error {
  override name = 'StartFailed';
}
