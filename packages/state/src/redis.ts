import { Redis } from 'ioredis';
import { ServiceUnavailableError } from '@segmentation/runtime';

/** Evicting policies would let customer state vanish silently: refuse to run on them. */
const SAFE_POLICIES = new Set(['noeviction', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']);

/**
 * Connects to Redis and checks it is usable: reachable (else an error naming Redis and how to
 * start it) and not configured to evict keys the state has not marked as expiring.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: true, connectTimeout: 5000 });
  redis.on('error', () => undefined); // reported through failed commands and readiness, not as crashes
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new ServiceUnavailableError('Redis', url, err);
  }
  const policy = await maxMemoryPolicy(redis);
  if (policy !== undefined && !SAFE_POLICIES.has(policy)) {
    redis.disconnect();
    throw new Error(`Redis at ${url} has maxmemory-policy ${policy}, which would evict customer state silently; set it to noeviction`);
  }
  return redis;
}

async function maxMemoryPolicy(redis: Redis): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    return reply[1];
  } catch {
    return undefined; // CONFIG may be disabled on managed Redis; nothing to check then
  }
}

export type { Redis } from 'ioredis';
