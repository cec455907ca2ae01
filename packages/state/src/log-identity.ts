import type { RedisClient } from './redis.ts';

/**
 * Customer state records offsets of one particular `customer-events` log. Against another log
 * (a new Kafka cluster, a recreated topic) those offsets mean nothing and records would be
 * skipped as "already applied". So the state remembers which log it was derived from, and a
 * segmenter pointed at a different one refuses to start instead of silently skipping input.
 */
export class StateFromAnotherLogError extends Error {
  override name = 'StateFromAnotherLogError';
}

export async function claimLogIdentity(redis: RedisClient, keyPrefix: string, identity: string): Promise<void> {
  const key = `${keyPrefix}log-identity`;
  await redis.set(key, identity, 'NX');
  const recorded = await redis.get(key);
  if (recorded !== identity) {
    throw new StateFromAnotherLogError(
      `Redis holds customer state derived from the log "${recorded}", but this segmenter reads "${identity}": ` +
        `its recorded offsets mean nothing here. Use a fresh REDIS_KEY_PREFIX, or delete the keys under "${keyPrefix}" ` +
        `(redis-cli --scan --pattern '${keyPrefix}*' | xargs redis-cli del) and let the segmenter replay customer-events from the start.`,
    );
  }
}
