// A Redis server of a test's own, keeping its data on disk (AOF, fsync always), so it can be
// stopped and started again on the same port with nothing lost: an outage, not a wipe. Never the
// machine's own Redis on 6379.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait-for.ts';
import { freePort } from './free-port.ts';

const HOST = '127.0.0.1';

export interface RedisServerHandle {
  url: string;
  /** Shuts the server down (its data stays on disk). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  remove(): Promise<void>;
}

/** `password`: the server requires it (`requirepass`), and `url` carries it. */
export async function startRedisServer(opts: { password?: string } = {}): Promise<RedisServerHandle> {
  const port = await freePort(HOST);
  const dir = mkdtempSync(join(tmpdir(), 'redis-outage-'));
  let child: ChildProcess | undefined;
  const auth = opts.password === undefined ? [] : ['--no-auth-warning', '-a', opts.password];
  const ping = async () => promisify(execFile)('redis-cli', ['-h', HOST, '-p', String(port), ...auth, 'ping']).then((r) => r.stdout.trim() === 'PONG', () => false);
  const start = async () => {
    const log = openSync(join(dir, 'redis.log'), 'a');
    child = spawn('redis-server', ['--port', String(port), '--bind', HOST, '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', ...(opts.password === undefined ? [] : ['--requirepass', opts.password])], { stdio: ['ignore', log, log] });
    closeSync(log);
    await waitFor(`redis-server on ${HOST}:${port}`, ping, 15_000);
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: opts.password === undefined ? `redis://${HOST}:${port}` : `redis://default:${encodeURIComponent(opts.password)}@${HOST}:${port}`,
    stop,
    start,
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
