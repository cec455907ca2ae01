// Runs once before the integration project: makes sure every service the tests need answers,
// and says which one is missing and how to start it otherwise.
//
// Services come from, in order: the environment (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL,
// CLICKHOUSE_URL); containers, when TESTCONTAINERS=1 and a Docker engine is there; the native
// stack that `./dev stack up` (infra/stack.sh) provisions.
import { connectClickHouse } from '@segmentation/clickhouse';
import { probeKafka, probeSchemaRegistry } from '@segmentation/kafka';
import { connectRedis } from '@segmentation/state';
import { testServices } from './services.ts';
import { startContainers } from './containers.ts';

export default async function setup(): Promise<() => Promise<void>> {
  let teardown = async () => {};
  if (process.env.TESTCONTAINERS === '1') {
    const started = await startContainers();
    Object.assign(process.env, started.env);
    teardown = started.stop;
  }
  const services = testServices();
  await probeKafka(services.kafkaBrokers);
  await probeSchemaRegistry(services.schemaRegistryUrl);
  (await connectRedis(services.redisUrl)).disconnect();
  if (services.clickhouseUrl) {
    await (
      await connectClickHouse({
        kind: 'server',
        url: services.clickhouseUrl,
        database: 'segmentation_test',
        username: process.env.CLICKHOUSE_USER,
        password: process.env.CLICKHOUSE_PASSWORD,
      })
    ).close();
  }
  return teardown;
}
