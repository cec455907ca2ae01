// Rebuilds the segmenter's state in Redis from `customer-events` (docs/operations.md):
//   pnpm rebuild-state --yes
// Stop every segmenter first (the command refuses otherwise). Deletes every customer record and the
// timer index under REDIS_KEY_PREFIX, replays the log from its beginning through the segmenter's own
// code up to where the segmenter group committed, and checks each partition's clock came out as
// committed. Settings as for the pipeline (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX,
// REDIS_URL, REDIS_KEY_PREFIX, GROUP_PREFIX, BUSINESS_TIME_ZONE).
import { parseArgs } from 'node:util';
import { topicNames } from '@segmentation/contracts';
import { AvroCodec, createKafka, kafkaSecurity } from '@segmentation/kafka';
import { ConfigError, createLogger, runCommand } from '@segmentation/runtime';
import { rebuildState } from '@segmentation/segmenter';
import { withoutPassword } from '@segmentation/state';
import { connectConfiguredRedis, loadConfig, segmenterGroupId } from './config.ts';

await runCommand('rebuild-state', async () => {
  const { values } = parseArgs({ options: { yes: { type: 'boolean' } } });
  const config = loadConfig();
  if (!values.yes) {
    throw new ConfigError(
      `this deletes the segmenter state under REDIS_KEY_PREFIX=${config.REDIS_KEY_PREFIX} in ${withoutPassword(config.REDIS_URL)} and rebuilds it from ${config.TOPIC_PREFIX}customer-events; stop every segmenter, then run again with --yes`,
    );
  }
  const logger = createLogger({ service: 'rebuild-state' }, config.LOG_LEVEL);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'rebuild-state', security: kafkaSecurity(config) }, logger);
  const redis = await connectConfiguredRedis(config);
  try {
    const report = await rebuildState(
      { kafka, codec: new AvroCodec(config.SCHEMA_REGISTRY_URL), redis, logger },
      {
        groupId: segmenterGroupId(config),
        topics: topicNames(config.TOPIC_PREFIX),
        redisKeyPrefix: config.REDIS_KEY_PREFIX,
        timeZone: config.BUSINESS_TIME_ZONE,
      },
    );
    console.log(JSON.stringify(report));
  } finally {
    redis.disconnect();
  }
});
