// A Redis Cluster of a test's own: `masters` redis-server processes on loopback, each in a fresh
// temp dir, joined with `redis-cli --cluster create`. Debian's redis-server and redis-cli are all
// it needs (infra/stack.sh installs them), no Docker; the shared stack's Redis stays untouched.
// Call stop() in afterAll: nodes outlive a test process that is killed first (vitest ends its
// workers with SIGTERM, so no 'exit' hook of the worker would run).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait-for.ts';

const run = promisify(execFile);

const HOST = '127.0.0.1';
const BUS_OFFSET = 10_000; // each node's cluster bus listens on its port + 10000
const SLOTS = 16_384;
const NODE_START_TIMEOUT_MS = 15_000;
const CLUSTER_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const BIND_ATTEMPTS = 3;

export interface RedisClusterHandle {
  nodes: Array<{ host: string; port: number }>;
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,...`: every node, as seeds for a cluster client. */
  url: string;
  /** Ends every node and removes its temp dir; safe to call more than once. */
  stop(): Promise<void>;
}

interface Node {
  port: number;
  dir: string;
  log: string;
  child: ChildProcess;
  /** Settles when the process has ended (or could not start). */
  exited: Promise<void>;
  done: boolean;
}

/** Starts `masters` (default 3, the least Redis Cluster accepts) masters without replicas and waits until the cluster is ok. */
export async function startRedisCluster(options: { masters?: number } = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 3) {
    throw new Error(`a Redis Cluster needs at least 3 masters (redis-cli --cluster create refuses fewer), got ${masters}`);
  }
  requireRedisTools();
  const nodes: Node[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= Promise.all(nodes.map(stopNode)).then(() => undefined));
  try {
    // One after the other: a node listens on its ports before the next one asks the OS for free ones.
    for (let i = 0; i < masters; i++) nodes.push(await startNode());
    await createCluster(nodes);
    await waitForClusterOk(nodes);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes: nodes.map((n) => ({ host: HOST, port: n.port })),
    url: `redis+cluster://${nodes.map((n) => `${HOST}:${n.port}`).join(',')}`,
    stop,
  };
}

function requireRedisTools(): void {
  const missing = ['redis-server', 'redis-cli'].filter((command) => !onPath(command));
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} needed to start a Redis Cluster for the tests but not on PATH: ` +
        '`./dev stack up` installs them, or `apt-get install redis-server` (Redis 7)',
    );
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        accessSync(join(dir, command), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

async function startNode(): Promise<Node> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const node = spawnNode(port);
    let state: 'ready' | 'exited';
    try {
      state = await waitFor(
        `redis-server on ${HOST}:${port} to answer PING`,
        async () => (node.done ? 'exited' : (await ping(port)) && 'ready'),
        NODE_START_TIMEOUT_MS,
      );
    } catch (err) {
      const tail = logTail(node);
      await stopNode(node);
      throw new Error(`${(err as Error).message}\n${tail}`, { cause: err });
    }
    if (state === 'ready') return node;
    const tail = logTail(node);
    await stopNode(node);
    // The ports were free when asked, but another process may have bound one before redis-server did.
    if (attempt < BIND_ATTEMPTS && tail.includes('Address already in use')) continue;
    throw new Error(
      `redis-server on ${HOST}:${port} exited (${node.child.exitCode ?? node.child.signalCode ?? 'not started'}) before answering PING\n${tail}`,
    );
  }
}

function spawnNode(port: number): Node {
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const log = join(dir, 'redis.log');
  const out = openSync(log, 'a');
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      HOST,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
      '--protected-mode',
      'no',
    ],
    { cwd: dir, stdio: ['ignore', out, out] },
  );
  closeSync(out); // the child has its own copy
  const node: Node = { port, dir, log, child, done: false, exited: Promise.resolve() };
  node.exited = new Promise((resolve) => {
    const settle = () => {
      node.done = true;
      resolve();
    };
    child.once('exit', settle);
    child.once('error', settle); // spawn failed: no 'exit' follows
  });
  return node;
}

async function stopNode(node: Node): Promise<void> {
  if (!node.done) {
    node.child.kill('SIGTERM');
    if (!(await exitsWithin(node, STOP_TIMEOUT_MS))) {
      node.child.kill('SIGKILL');
      await node.exited;
    }
  }
  rmSync(node.dir, { recursive: true, force: true });
}

async function exitsWithin(node: Node, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([node.exited.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A port the OS says is free, whose bus port (port + 10000) is free too. */
async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await listenAndClose(0);
    if (port === undefined || port + BUS_OFFSET > 65_535) continue;
    if ((await listenAndClose(port + BUS_OFFSET)) !== undefined) return port;
  }
  throw new Error(`found no free pair of ports P and P+${BUS_OFFSET} on ${HOST} for a Redis Cluster node`);
}

/** Listens on `port` (0: any) and closes again; the port it got, or undefined when it was taken. */
function listenAndClose(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: HOST, exclusive: true }, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

async function redisCli(port: number, ...command: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', HOST, '-p', String(port), ...command], { timeout: 5_000 });
  return stdout;
}

async function ping(port: number): Promise<boolean> {
  return (await redisCli(port, 'PING')).trim() === 'PONG';
}

async function createCluster(nodes: Node[]): Promise<void> {
  try {
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `${HOST}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: CLUSTER_TIMEOUT_MS,
    });
  } catch (err) {
    const { stdout = '' } = err as { stdout?: string };
    throw new Error(`redis-cli --cluster create failed: ${(err as Error).message}\n${stdout}\n${nodes.map((n) => logTail(n)).join('\n')}`, {
      cause: err,
    });
  }
}

/**
 * `--cluster create` returns once the nodes agree on the configuration, but each node turns its
 * cluster_state to ok on its own cron, and learns the other masters' slots by gossip.
 */
async function waitForClusterOk(nodes: Node[]): Promise<void> {
  const count = String(nodes.length);
  let seen = 'no answer yet';
  try {
    await waitFor(
      `cluster_state:ok on all ${count} nodes, each knowing all ${count} masters and ${SLOTS} slots`,
      async () => {
        const infos = await Promise.all(nodes.map(async (n) => parseInfo(await redisCli(n.port, 'CLUSTER', 'INFO'))));
        seen = infos
          .map(
            (info, i) =>
              `${HOST}:${nodes[i]!.port} state=${info.cluster_state} known_nodes=${info.cluster_known_nodes} ` +
              `size=${info.cluster_size} slots_ok=${info.cluster_slots_ok}`,
          )
          .join('; ');
        return infos.every(
          (info) =>
            info.cluster_state === 'ok' &&
            info.cluster_known_nodes === count &&
            info.cluster_size === count &&
            info.cluster_slots_ok === String(SLOTS),
        );
      },
      CLUSTER_TIMEOUT_MS,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${seen}\n${nodes.map((n) => logTail(n)).join('\n')}`, { cause: err });
  }
}

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return fields;
}

/** The end of a node's log, for error messages: its temp dir is gone by the time anyone reads them. */
function logTail(node: Node, lines = 20): string {
  let text: string;
  try {
    text = readFileSync(node.log, 'utf8');
  } catch {
    return `--- redis-server ${HOST}:${node.port}: no log`;
  }
  return `--- redis-server ${HOST}:${node.port}, last lines of its log:\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`;
}
