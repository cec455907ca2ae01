// A Redis Cluster with an ACL user, as for a single Redis: the harness's three masters each get the
// user (its key prefix, the commands the pipeline sends, and the cluster's topology commands the
// client asks), and connectRedis with `redis+cluster://user:password@…` keeps customer state spread
// over all masters through the project's state store; a wrong password is refused with an error
// naming REDIS_URL and never the password.
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@segmentation/runtime';
import { connectRedis, CustomerStateStore, type RedisClient, type StateCodec } from '@segmentation/state';
import { startRedisCluster, type RedisClusterHandle } from './harness/redis-cluster.ts';
import { uniqueName } from './harness/unique.ts';

const KEY_PREFIX = 'seg:';
const ACL_RULES = `~${KEY_PREFIX}* resetchannels -@all +@connection +@read +@write +@keyspace +@transaction +evalsha +eval -@dangerous +info +cluster|slots +cluster|shards +cluster|info`;
const password = `pw-${uniqueName('cluster-acl')}`;
const wrongPassword = `wrong-${uniqueName('cluster-acl')}`;
const codec: StateCodec<{ orders: number }> = {
  encode: (s) => Buffer.from(JSON.stringify(s)),
  decode: (b) => JSON.parse(Buffer.from(b).toString('utf8')) as { orders: number },
};

let cluster: RedisClusterHandle | undefined;
let client: RedisClient | undefined;

beforeAll(async () => {
  cluster = await startRedisCluster();
  for (const node of cluster.nodes) {
    const admin = new Redis({ host: node.host, port: node.port, lazyConnect: true });
    await admin.connect();
    await admin.call('ACL', 'SETUSER', 'segmentation', 'on', `>${password}`, ...ACL_RULES.split(' '));
    admin.disconnect();
  }
}, 60_000);

afterAll(async () => {
  client?.disconnect();
  await cluster?.stop();
});

const clusterUrl = (secret: string) =>
  `redis+cluster://segmentation:${encodeURIComponent(secret)}@${cluster!.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;

describe('a Redis Cluster with an ACL user', () => {
  it('keeps customer state on every master as the user of REDIS_URL', async () => {
    client = await connectRedis(clusterUrl(password));
    const store = new CustomerStateStore(client, KEY_PREFIX, codec);
    const ids = Array.from({ length: 60 }, (_, i) => `C-${i}`);
    expect(
      await store.commit(
        ids.map((customerId, i) => ({ customerId, expectedVersion: '', state: { orders: i }, outputs: [] })),
        'v1',
      ),
    ).toEqual([]);
    const loaded = await store.load(ids);
    expect(ids.map((id) => loaded.get(id)?.state?.orders)).toEqual(ids.map((_, i) => i));
    // Spread over the masters, each reached with the same user.
    const perMaster = await Promise.all((client as import('ioredis').Cluster).nodes('master').map((n) => n.dbsize()));
    expect(perMaster.filter((n) => n > 0)).toHaveLength(3);
  }, 60_000);

  it('refuses a wrong password, naming REDIS_URL and never the password', async () => {
    const err = await connectRedis(clusterUrl(wrongPassword)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/REDIS_URL/);
    for (const text of [(err as Error).message, String((err as Error).stack), inspect(err, { depth: 10 })])
      expect(text).not.toContain(wrongPassword);
  }, 60_000);
});
