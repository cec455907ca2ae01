import { Cluster, Redis } from 'ioredis';
import { ServiceUnavailableError } from '@segmentation/runtime';

/** A single Redis server or a Redis Cluster: the state store runs the same code on both. */
export type RedisClient = Redis | Cluster;

/** Evicting policies would let customer state vanish silently: refuse to run on them. */
const SAFE_POLICIES = new Set(['noeviction', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']);

/** `redis+cluster://host:port,host:port` names a Redis Cluster by some of its nodes. */
const CLUSTER_SCHEME = 'redis+cluster://';

export const isClusterUrl = (url: string): boolean => url.startsWith(CLUSTER_SCHEME);

/**
 * Connects to Redis (`redis://`, `rediss://`) or a Redis Cluster (`redis+cluster://h1:p1,h2:p2`)
 * and checks it is usable: reachable (else an error naming Redis and how to start it) and not
 * configured to evict keys the state has not marked as expiring (on every master of a cluster).
 */
export async function connectRedis(url: string): Promise<RedisClient> {
  const redis = isClusterUrl(url) ? newCluster(url) : new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: true, connectTimeout: 5000 });
  redis.on('error', () => undefined); // reported through failed commands and readiness, not as crashes
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new ServiceUnavailableError(isClusterUrl(url) ? 'Redis Cluster' : 'Redis', url, err);
  }
  const masters = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of masters) {
    const policy = await maxMemoryPolicy(node);
    if (policy !== undefined && !SAFE_POLICIES.has(policy)) {
      redis.disconnect();
      throw new Error(`Redis at ${node.options.host ?? url}:${node.options.port ?? ''} has maxmemory-policy ${policy}, which would evict customer state silently; set it to noeviction`);
    }
  }
  return redis;
}

function newCluster(url: string): Cluster {
  const seeds = url.slice(CLUSTER_SCHEME.length).split(',').filter((s) => s !== '').map((hostPort) => {
    const [host, port] = hostPort.split(':');
    if (!host || !port || !/^\d+$/.test(port)) throw new Error(`REDIS_URL: "${hostPort}" in ${url} is not host:port`);
    return { host, port: Number(port) };
  });
  if (seeds.length === 0) throw new Error(`REDIS_URL: ${url} names no cluster node (redis+cluster://host:port,host:port)`);
  return new Cluster(seeds, {
    lazyConnect: true,
    // State is written to masters only; reading a replica could return a version older than our last commit.
    scaleReads: 'master',
    redisOptions: { maxRetriesPerRequest: 3, connectTimeout: 5000 },
  });
}

async function maxMemoryPolicy(redis: Redis): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    return reply[1];
  } catch {
    return undefined; // CONFIG may be disabled on managed Redis; nothing to check then
  }
}

/** A glob pattern matching `s` literally. */
export const escapeGlob = (s: string): string => s.replace(/[*?[\]\\]/g, '\\$&');

/** Deletes every key starting with `prefix`, on every master of a cluster; SCAN and UNLINK, never blocking Redis. */
export async function deleteKeysWithPrefix(redis: RedisClient, prefix: string): Promise<number> {
  const nodes = 'nodes' in redis ? redis.nodes('master') : [redis];
  let deleted = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      // One UNLINK per key, pipelined: keys of different slots cannot share a command on a cluster node.
      const pipeline = node.pipeline();
      for (const key of keys) pipeline.unlink(key);
      for (const [err, n] of (await pipeline.exec()) ?? []) {
        if (err) throw err;
        deleted += Number(n);
      }
    } while (cursor !== '0');
  }
  return deleted;
}

/** Redis `used_memory`, summed over the masters of a cluster. */
export async function usedMemoryBytes(redis: RedisClient): Promise<number> {
  const nodes = 'nodes' in redis ? redis.nodes('master') : [redis];
  let total = 0;
  for (const node of nodes) total += Number(/used_memory:(\d+)/.exec(await node.info('memory'))?.[1] ?? 0);
  return total;
}

export type { Redis } from 'ioredis';
