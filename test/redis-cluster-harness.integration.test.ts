// The Redis Cluster harness itself: three masters on loopback that together serve every slot,
// spread hash-tagged customer keys over all of them, and are gone after stop().
import { connect } from 'node:net';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type RedisClusterHandle } from './harness/redis-cluster.ts';

const SLOTS = 16_384;
const CUSTOMERS = 300;

let redis: RedisClusterHandle | undefined;
let cluster: Cluster | undefined;

beforeAll(async () => {
  redis = await startRedisCluster();
  cluster = new Cluster(redis.nodes, { lazyConnect: true });
  await cluster.connect();
});

afterAll(async () => {
  await cluster?.quit();
  await redis?.stop();
});

const addresses = (nodes: Array<{ host: string; port: number }>) => nodes.map((n) => `${n.host}:${n.port}`).sort();

/** True when nothing listens on the port any more. */
const refuses = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('startRedisCluster', () => {
  it('starts three masters that together serve all 16384 slots', async () => {
    expect(redis!.nodes).toHaveLength(3);
    expect(redis!.url).toBe(`redis+cluster://${redis!.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`);

    const owners = new Array<string | undefined>(SLOTS).fill(undefined);
    for (const [from, to, master] of await cluster!.cluster('SLOTS')) {
      for (let slot = from; slot <= to; slot++) owners[slot] = master && `${master[0]}:${master[1]}`;
    }
    expect(owners.filter((o) => o === undefined)).toHaveLength(0);
    expect([...new Set(owners)].sort()).toEqual(addresses(redis!.nodes));
    expect(addresses(cluster!.nodes('master').map((n) => ({ host: n.options.host!, port: n.options.port! })))).toEqual(
      addresses(redis!.nodes),
    );
  });

  it(`spreads ${CUSTOMERS} hash-tagged customers over all three masters`, async () => {
    const keys = Array.from({ length: CUSTOMERS }, (_, i) => `{customer-${i}}:profile`);
    await Promise.all(keys.map((key, i) => cluster!.set(key, String(i))));

    const sizes = await Promise.all(cluster!.nodes('master').map((node) => node.dbsize()));
    expect(sizes).toHaveLength(3);
    expect(sizes.reduce((sum, n) => sum + n, 0)).toBe(CUSTOMERS);
    for (const size of sizes) expect(size).toBeGreaterThan(0);
    expect(await Promise.all(keys.map((key) => cluster!.get(key)))).toEqual(keys.map((_, i) => String(i)));
  });

  it('stop() ends every node, and a second call is harmless', async () => {
    const other = await startRedisCluster();
    for (const node of other.nodes) expect(await refuses(node.port)).toBe(false);
    await other.stop();
    await other.stop();
    for (const node of other.nodes) expect(await refuses(node.port)).toBe(true);
  });

  it('says how to get redis-server when it is not on PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startRedisCluster()).rejects.toThrow(/redis-server.*needed.*\.\/dev stack up.*apt-get install redis-server/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('refuses fewer than three masters', async () => {
    await expect(startRedisCluster({ masters: 2 })).rejects.toThrow(/at least 3 masters/);
  });
});
