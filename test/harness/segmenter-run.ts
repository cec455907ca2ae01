import { connectRedis, deleteKeysWithPrefix } from '@segmentation/state';
import { loadConfig, type Config } from '@segmentation/app';
import type { TestServices } from './services.ts';

/**
 * A segmenter-only pipeline of its own: topics, consumer groups and Redis keys all start with
 * `run`, no ticks (the test writes the log's clock itself), a short session timeout for restarts.
 */
export function segmenterOnlyConfig(services: TestServices, run: string): Config {
  return loadConfig({ ...runEnv(services, run), ROLES: 'segmenter' });
}

/** The settings that make a pipeline a test run's own: services, and the run's topics, groups and keys. */
export function runEnv(services: TestServices, run: string): Record<string, string> {
  return {
    KAFKA_BROKERS: services.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
    REDIS_URL: services.redisUrl,
    TOPIC_PREFIX: `${run}.`,
    GROUP_PREFIX: run,
    REDIS_KEY_PREFIX: `${run}:`,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    TICK_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'warn',
    CONSOLE_PORT: '0',
    CONSOLE_TOKEN: 'integration-test-console-token',
  };
}

/** Deletes a run's Redis keys (every one starts with its unique prefix). */
export async function deleteRunKeys(redisUrl: string, run: string): Promise<void> {
  const redis = await connectRedis(redisUrl);
  try {
    await deleteKeysWithPrefix(redis, `${run}:`);
  } finally {
    redis.disconnect();
  }
}
