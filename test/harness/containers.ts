// The testcontainers path, for machines with a Docker engine (TESTCONTAINERS=1): the same
// services as docker-compose.yml, started per test run. Machines without an engine use the
// native stack instead (infra/stack.sh).
import { GenericContainer, Network, Wait, type StartedTestContainer } from 'testcontainers';

const KAFKA_HOST_PORT = 19092; // advertised to the host, so it must be fixed

export async function startContainers(): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  let network;
  try {
    network = await new Network().start();
  } catch (err) {
    throw new Error(
      `TESTCONTAINERS=1 but no Docker engine answers (${(err as Error).message}); unset it to use the native stack (./dev stack up)`,
      { cause: err },
    );
  }
  const started: StartedTestContainer[] = [];
  const stop = async () => {
    for (const c of started.reverse()) await c.stop();
    await network.stop();
  };
  try {
    const kafka = await new GenericContainer('apache/kafka:4.1.1')
      .withNetwork(network)
      .withNetworkAliases('kafka')
      .withExposedPorts({ container: KAFKA_HOST_PORT, host: KAFKA_HOST_PORT })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: `INTERNAL://:29092,EXTERNAL://:${KAFKA_HOST_PORT},CONTROLLER://:9093`,
        KAFKA_ADVERTISED_LISTENERS: `INTERNAL://kafka:29092,EXTERNAL://localhost:${KAFKA_HOST_PORT}`,
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start();
    started.push(kafka);
    const registry = await new GenericContainer('confluentinc/cp-schema-registry:7.9.1')
      .withNetwork(network)
      .withExposedPorts(8081)
      .withEnvironment({
        SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
        SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
        SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:29092',
      })
      .withWaitStrategy(Wait.forHttp('/subjects', 8081))
      .start();
    started.push(registry);
    const redis = await new GenericContainer('redis:7')
      .withCommand(['redis-server', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'])
      .withExposedPorts(6379)
      .start();
    started.push(redis);
    const clickhouse = await new GenericContainer('clickhouse/clickhouse-server:25.8')
      .withEnvironment({ CLICKHOUSE_USER: 'segmentation', CLICKHOUSE_PASSWORD: 'segmentation', CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT: '1' })
      .withExposedPorts(8123)
      .withWaitStrategy(Wait.forHttp('/ping', 8123))
      .start();
    started.push(clickhouse);
    return {
      env: {
        KAFKA_BROKERS: `localhost:${KAFKA_HOST_PORT}`,
        SCHEMA_REGISTRY_URL: `http://${registry.getHost()}:${registry.getMappedPort(8081)}`,
        REDIS_URL: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
        CLICKHOUSE_URL: `http://${clickhouse.getHost()}:${clickhouse.getMappedPort(8123)}`,
        CLICKHOUSE_USER: 'segmentation',
        CLICKHOUSE_PASSWORD: 'segmentation',
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
