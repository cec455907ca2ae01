// Redis with an ACL user and TLS, on a redis-server of this test's own. The ACL user may
// touch only the state's keys (REDIS_KEY_PREFIX `seg:`) with the commands the pipeline sends, and
// the default user is off: connectRedis with the user in REDIS_URL keeps customer state through
// the project's state store; no user or a wrong password is refused with an error naming Redis and
// REDIS_URL, never the password. Over TLS (`rediss://`), with a throwaway CA made by openssl, the
// client trusts the server only through REDIS_TLS_CA_FILE.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@segmentation/app';
import { ConfigError, ServiceUnavailableError } from '@segmentation/runtime';
import {
  claimLogIdentity,
  connectRedis,
  CustomerStateStore,
  deleteKeysWithPrefix,
  EvaluationTimers,
  type Redis,
  type RedisClient,
  type StateCodec,
} from '@segmentation/state';
import { startRedisServer, StartFailed, type RedisServerHandle } from './harness/redis-server.ts';
import { uniqueName } from './harness/unique.ts';

const KEY_PREFIX = 'seg:';
/**
 * What the pipeline needs, on its own keys only: reads, writes, SCAN, UNLINK and EXPIRE, MULTI/EXEC,
 * the commit script (EVALSHA, EVAL) and INFO (ioredis's ready check); nothing dangerous (no CONFIG,
 * FLUSHALL, KEYS…). The same rules as in docs/operations.md, "Security".
 */
const ACL_RULES = `~${KEY_PREFIX}* resetchannels -@all +@connection +@read +@write +@keyspace +@transaction +evalsha +eval -@dangerous +info`;
const user = { name: 'segmentation', password: `pw-${uniqueName('acl')}`, rules: ACL_RULES };
const wrongPassword = `wrong-${uniqueName('acl')}`;

/** The state store moves bytes; this codec is enough to see them come back. */
const jsonCodec: StateCodec<{ orders: number; lifetimeValue: number }> = {
  encode: (s) => Buffer.from(JSON.stringify(s)),
  decode: (b) => JSON.parse(Buffer.from(b).toString('utf8')) as { orders: number; lifetimeValue: number },
};

let server: RedisServerHandle;
const dir = mkdtempSync(join(tmpdir(), 'redis-acl-tls-'));
const clients: RedisClient[] = [];
const connect = async (...args: Parameters<typeof connectRedis>) => {
  const client = await connectRedis(...args);
  clients.push(client);
  return client;
};

beforeAll(async () => {
  server = await startRedisServer({ users: [user] });
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server?.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** A customer written, read back, its outbox cleared, found by scan and timer, through the state store. */
async function keepsCustomerState(redis: RedisClient): Promise<void> {
  const store = new CustomerStateStore(redis, KEY_PREFIX, jsonCodec);
  const customerId = uniqueName('C');
  expect(
    await store.commit(
      [
        {
          customerId,
          expectedVersion: '',
          state: { orders: 3, lifetimeValue: 4200 },
          outputs: [['change-1', Buffer.from('{"to":"vip"}')]],
        },
      ],
      'v1',
    ),
  ).toEqual([]);
  const stored = await store.get(customerId);
  expect(stored).toMatchObject({ version: 'v1', state: { orders: 3, lifetimeValue: 4200 } });
  expect([...stored!.pending]).toEqual([['change-1', Buffer.from('{"to":"vip"}')]]);
  await store.clearPending([{ customerId, ids: ['change-1'] }]);
  expect((await store.get(customerId))!.pending.size).toBe(0);
  const ids: string[] = [];
  for await (const page of store.customerIds()) ids.push(...page);
  expect(ids).toContain(customerId);

  const timers = new EvaluationTimers(redis, KEY_PREFIX);
  await timers.schedule(0, [{ customerId, at: 1000 }]);
  expect(await timers.due(0, 2000)).toEqual([{ customerId, at: 1000 }]);
  await claimLogIdentity(redis, KEY_PREFIX, 'cluster-1/customer-events');
  expect(await deleteKeysWithPrefix(redis, KEY_PREFIX)).toBe(3); // customer, timers, log identity
}

/** The error `promise` rejects with; nothing of a password in any printed form of it. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  for (const text of [(err as Error).message, String((err as Error).stack), inspect(err, { depth: 10 })]) {
    expect(text).not.toContain(user.password);
    expect(text).not.toContain(wrongPassword);
  }
  return err as Error;
}

const port = () => new URL(server.url).port;

describe('Redis with an ACL user', () => {
  it('keeps customer state as the user of REDIS_URL, within the key prefix only', async () => {
    const config = loadConfig({ REDIS_URL: server.url });
    expect(config.REDIS_URL).toBe(`redis://segmentation:${user.password}@127.0.0.1:${port()}`);
    const redis = await connect(config.REDIS_URL);
    await keepsCustomerState(redis);

    // The ACL is in force: the same store under another prefix is refused.
    const elsewhere = new CustomerStateStore(redis, 'other:', jsonCodec);
    await expect(
      elsewhere.commit([{ customerId: 'C-1', expectedVersion: '', state: { orders: 1, lifetimeValue: 1 }, outputs: [] }], 'v1'),
    ).rejects.toThrow(/NOPERM/);
    await expect((redis as Redis).flushall()).rejects.toThrow(/NOPERM/);
    await expect((redis as Redis).config('GET', 'maxmemory-policy')).rejects.toThrow(/NOPERM/); // so connectRedis could not check it
  });

  it('refuses a client without a user (the default user is off), naming Redis and REDIS_URL', async () => {
    const err = await failure(connect(`redis://127.0.0.1:${port()}`));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      `Redis at redis://127.0.0.1:${port()} refused the client (NOAUTH Authentication required): check the user and password in REDIS_URL (redis://user:password@host:port) and the user's ACL`,
    );
  });

  it('refuses the wrong password without repeating it', async () => {
    const err = await failure(connect(`redis://segmentation:${wrongPassword}@127.0.0.1:${port()}`));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      `Redis at redis://segmentation:***@127.0.0.1:${port()} refused the client (WRONGPASS invalid username-password pair or user is disabled): check the user and password in REDIS_URL (redis://user:password@host:port) and the user's ACL`,
    );
  });

  it('names Redis, not the password, when nothing answers', async () => {
    await server.stop();
    try {
      const err = await failure(connect(server.url));
      expect(err).toBeInstanceOf(ServiceUnavailableError);
      expect(err.message).toMatch(new RegExp(`^Redis is not reachable at redis://segmentation:\\*\\*\\*@127\\.0\\.0\\.1:${port()} \\(`));
    } finally {
      await server.start();
    }
  });
});

/** A CA and a certificate for 127.0.0.1 signed by it, made with openssl; returns the file names. */
function throwawayCertificates(folder: string): { caFile: string; certFile: string; keyFile: string } {
  const file = (name: string) => join(folder, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=segmentation test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
  );
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(file('server.ext'), 'subjectAltName = IP:127.0.0.1\n'); // what the client checks the address against
  openssl(
    'x509',
    '-req',
    '-days',
    '1',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.pem'),
  );
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') };
}

describe('Redis over TLS', () => {
  it('connects with rediss:// trusting the CA of REDIS_TLS_CA_FILE, and only then', async (ctx) => {
    const certificates = throwawayCertificates(dir);
    let tlsServer: RedisServerHandle;
    try {
      tlsServer = await startRedisServer({ users: [user], tls: certificates });
    } catch (err) {
      // The only skip allowed: a redis-server built without TLS refuses --tls-port ("Bad directive").
      if (err instanceof StartFailed && /tls/i.test(err.message) && /Bad directive|unknown|not supported/i.test(err.message)) {
        ctx.skip(`redis-server on this machine was built without TLS (${err.message})`);
      }
      throw err;
    }
    try {
      const tlsUrl = tlsServer.tlsUrl!;
      const tlsPort = new URL(tlsUrl).port;

      // Without the CA the server's certificate is not trusted: the message says which setting helps.
      const untrusted = await failure(connect(tlsUrl));
      expect(untrusted).toBeInstanceOf(ConfigError);
      expect(untrusted.message).toMatch(
        new RegExp(
          `^Redis at rediss://segmentation:\\*\\*\\*@127\\.0\\.0\\.1:${tlsPort} presented a certificate this client does not trust \\(.+\\): give the CA that signed it in REDIS_TLS_CA_FILE$`,
        ),
      );

      // With it, through the settings as the pipeline reads them.
      const config = loadConfig({ REDIS_URL: tlsUrl, REDIS_TLS_CA_FILE: certificates.caFile });
      const redis = await connect(config.REDIS_URL, { tlsCaFile: config.REDIS_TLS_CA_FILE });
      expect((redis as Redis).stream).toBeInstanceOf(TLSSocket);
      expect(((redis as Redis).stream as TLSSocket).authorized).toBe(true);
      await keepsCustomerState(redis);

      // A CA file with a plain redis:// URL is a slip, said at start-up.
      const plain = await failure(connect(tlsServer.url, { tlsCaFile: certificates.caFile }));
      expect(plain).toBeInstanceOf(ConfigError);
      expect(plain.message).toBe(
        `REDIS_TLS_CA_FILE is set, but REDIS_URL redis://segmentation:***@127.0.0.1:${new URL(tlsServer.url).port} is not TLS: use rediss:// (rediss+cluster:// for a cluster)`,
      );
    } finally {
      await tlsServer.remove();
    }
  });
});
