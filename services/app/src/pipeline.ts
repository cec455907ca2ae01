import type { Registry } from 'prom-client';
import {
  clickHouseErrorCode,
  connectClickHouse,
  insertRows,
  migrate,
  startBiEndpoint,
  type BiEndpoint,
  type ClickHouseClient,
  type ClickHouseTarget,
} from '@segmentation/clickhouse';
import { topicNames } from '@segmentation/contracts';
import { createIngest, loadSourcesFile } from '@segmentation/ingest';
import {
  AvroCodec,
  createKafka,
  kafkaSecurity,
  probeKafka,
  probeSchemaRegistry,
  provisionPipeline,
  ReliableProducer,
} from '@segmentation/kafka';
import { ErasureList } from '@segmentation/erasure';
import type { HealthCheck, Logger } from '@segmentation/runtime';
import { createBiAuthenticator, createConsole } from '@segmentation/console';
import { createNotifier, loadNotifierConfig } from '@segmentation/notifier';
import { createSegmenter, parseFault } from '@segmentation/segmenter';
import { classifyInsertFailure, createSink, sinkRoutes } from '@segmentation/sink';
import type { RedisClient } from '@segmentation/state';
import {
  biEndpointSettings,
  connectConfiguredRedis,
  consoleAccess,
  currencyTable,
  loadRules,
  segmenterGroupId,
  type Config,
} from './config.ts';

interface RoleHandle {
  consumer: HealthCheck;
  checks?: HealthCheck[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface Pipeline {
  checks: HealthCheck[];
  /** Where the console's page and API answer, when this process runs the console. */
  consoleUrl: string | undefined;
  /** Where BI tools connect (the read-only ClickHouse-compatible endpoint), when BI_PORT is set. */
  biUrl: string | undefined;
  /** Stops in order: consumers (stop fetching, finish the batch), producer, stores. */
  stop(): Promise<void>;
}

export function clickHouseTarget(c: Config): ClickHouseTarget {
  return c.CLICKHOUSE_URL
    ? {
        kind: 'server',
        url: c.CLICKHOUSE_URL,
        database: c.CLICKHOUSE_DATABASE,
        username: c.CLICKHOUSE_USER,
        password: c.CLICKHOUSE_PASSWORD,
      }
    : { kind: 'embedded', path: c.CLICKHOUSE_PATH };
}

/** How the sink writes to ClickHouse and reads its failures. */
export function sinkDeps(clickhouse: ClickHouseClient) {
  return {
    insert: (table: string, rows: Array<Record<string, unknown>>) => insertRows(clickhouse, table, rows),
    classify: classifyInsertFailure,
    errorCode: clickHouseErrorCode,
  };
}

/** Checks the services, provisions topics and schemas, and starts the configured roles. */
export async function startPipeline(
  config: Config,
  logger: Logger,
  metrics: Registry,
  env: Record<string, string | undefined> = process.env,
): Promise<Pipeline> {
  const roles = new Set(config.ROLES);
  // Bad rules or receivers stop start-up before anything connects.
  const rules = roles.has('segmenter') || roles.has('console') ? loadRules(config) : undefined;
  const notifierConfig = roles.has('notifier') ? loadNotifierConfig(config.NOTIFIER_FILE, env) : undefined;
  const access = roles.has('console') ? consoleAccess(config) : undefined;
  const sources = roles.has('ingest') ? loadSourcesFile(config.SOURCES_FILE, config.TOPIC_PREFIX) : undefined;
  // JSON sources keep the carry-forward fields of each order, shipment and complaint in Redis.
  const ingestNeedsRedis = sources?.some((s) => s.format !== 'avro') ?? false;
  const bi = biEndpointSettings(config);
  await probeKafka(config.KAFKA_BROKERS, 5000, kafkaSecurity(config));
  await probeSchemaRegistry(config.SCHEMA_REGISTRY_URL);
  const redis: RedisClient | undefined =
    roles.has('segmenter') || roles.has('console') || roles.has('notifier') || ingestNeedsRedis
      ? await connectConfiguredRedis(config)
      : undefined;
  let clickhouse: ClickHouseClient | undefined;
  if (roles.has('sink') || roles.has('console')) {
    clickhouse = await connectClickHouse(clickHouseTarget(config));
    const applied = await migrate(clickhouse);
    if (applied.length > 0) logger.info('clickhouse_migrated', { applied: applied.map((m) => m.name) });
  }
  // Beside the ClickHouse client: the endpoint opens its own connections to the same data folder
  // (config.ts refuses BI_PORT with CLICKHOUSE_URL or without a role that opens the engine).
  let biEndpoint: BiEndpoint | undefined;
  if (bi && clickhouse) {
    try {
      biEndpoint = await startBiEndpoint({
        host: bi.host,
        port: bi.port,
        dataPath: config.CLICKHOUSE_PATH,
        limits: bi.limits,
        maxConcurrentQueries: bi.maxConcurrentQueries,
        authenticate: createBiAuthenticator(bi.users),
        logger: logger.child({ component: 'bi-endpoint' }),
      });
    } catch (err) {
      await clickhouse.close();
      throw err;
    }
  }

  const topics = topicNames(config.TOPIC_PREFIX);
  const kafka = createKafka(
    { brokers: config.KAFKA_BROKERS, clientId: `${config.GROUP_PREFIX}-${config.ROLES.join('+')}`, security: kafkaSecurity(config) },
    logger,
  );
  const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  await provisionPipeline(kafka, codec, topics);
  const producer = new ReliableProducer(kafka);
  await producer.connect();

  // Every role honours it; read whole before any role consumes, so nothing of an erased customer is applied (erasure-list.ts).
  const erasures = new ErasureList(
    kafka,
    codec,
    { topic: topics.customerErasures, groupPrefix: `${config.GROUP_PREFIX}-erasures` },
    logger,
    metrics,
  );
  const common = { kafka, producer, codec, logger, metrics, erasures };
  /** Every check of the process, filled once the roles started (the console serves them too). */
  const checks: HealthCheck[] = [];
  const sessionTimeoutMs = config.KAFKA_SESSION_TIMEOUT_MS;
  const roleHandles: RoleHandle[] = [];
  if (roles.has('ingest')) {
    roleHandles.push(
      createIngest(
        {
          groupId: `${config.GROUP_PREFIX}-ingest`,
          topics,
          currencies: currencyTable(config),
          maxFutureSkewMs: config.MAX_FUTURE_SKEW_SECONDS * 1000,
          maxMessageBytes: config.MAX_MESSAGE_BYTES,
          tickIntervalMs: config.TICK_INTERVAL_SECONDS * 1000,
          sessionTimeoutMs,
          processingAttempts: config.PROCESSING_ATTEMPTS,
          sources,
          timeZone: config.BUSINESS_TIME_ZONE,
          redisKeyPrefix: config.REDIS_KEY_PREFIX,
        },
        { ...common, redis },
      ),
    );
  }
  if (redis && rules && roles.has('segmenter')) {
    roleHandles.push(
      createSegmenter(
        {
          groupId: segmenterGroupId(config),
          topics,
          redisKeyPrefix: config.REDIS_KEY_PREFIX,
          rules,
          timeZone: config.BUSINESS_TIME_ZONE,
          sessionTimeoutMs,
          maxBatchBytes: config.SEGMENTER_BATCH_BYTES,
          fault: parseFault(config.SEGMENTER_FAULT),
        },
        { ...common, redis },
      ),
    );
  }
  if (clickhouse && roles.has('sink')) {
    roleHandles.push(
      createSink(
        {
          groupId: `${config.GROUP_PREFIX}-sink`,
          routes: sinkRoutes(topics),
          buffer: {
            maxRows: config.SINK_FLUSH_ROWS,
            maxDelayMs: config.SINK_FLUSH_INTERVAL_MS,
            retryInitialMs: 200,
            retryMaxMs: 10_000,
            processingAttempts: config.PROCESSING_ATTEMPTS,
          },
          sessionTimeoutMs,
        },
        { ...common, clickhouse, ...sinkDeps(clickhouse) },
      ),
    );
  }
  if (redis && notifierConfig) {
    roleHandles.push(
      createNotifier(
        {
          groupId: `${config.GROUP_PREFIX}-notifier`,
          topics,
          config: notifierConfig,
          sessionTimeoutMs,
          redisKeyPrefix: config.REDIS_KEY_PREFIX,
          timeZone: config.BUSINESS_TIME_ZONE,
          processingAttempts: config.PROCESSING_ATTEMPTS,
        },
        { ...common, redis },
      ),
    );
  }
  const consoleRole =
    clickhouse && rules && access
      ? createConsole(
          {
            host: config.CONSOLE_HOST,
            port: config.CONSOLE_PORT,
            access,
            corsOrigins: config.CONSOLE_CORS_ORIGINS,
            maxStreams: config.CONSOLE_MAX_STREAMS,
            groupPrefix: config.GROUP_PREFIX,
            topics,
            redisKeyPrefix: config.REDIS_KEY_PREFIX,
            timeZone: config.BUSINESS_TIME_ZONE,
            fallbackRules: rules,
          },
          { kafka, codec, producer, clickhouse, redis, logger, metrics, checks: () => checks, erasures },
        )
      : undefined;
  if (consoleRole) roleHandles.push(consoleRole);
  const started: RoleHandle[] = [];
  try {
    await erasures.start();
    for (const role of roleHandles) {
      await role.start();
      started.push(role);
    }
  } catch (err) {
    for (const role of started) await role.stop().catch(() => undefined);
    await erasures.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    redis?.disconnect();
    await biEndpoint?.close();
    await clickhouse?.close();
    throw err;
  }

  const producerCheck: HealthCheck = { name: 'producer', isHealthy: () => true, isReady: () => producer.isConnected() };
  // While Redis is away the segmenter's batches fail and are retried, nothing committed: not ready.
  const redisCheck: HealthCheck[] = redis ? [{ name: 'redis', isHealthy: () => true, isReady: () => redis.status === 'ready' }] : [];
  const biCheck: HealthCheck[] = biEndpoint
    ? [{ name: 'bi-endpoint', isHealthy: () => biEndpoint.isListening(), isReady: () => biEndpoint.isListening() }]
    : [];
  checks.push(...started.flatMap((r) => [r.consumer, ...(r.checks ?? [])]), producerCheck, ...redisCheck, ...biCheck, erasures);
  logger.info('pipeline_started', { roles: config.ROLES, topicPrefix: config.TOPIC_PREFIX, clickhouse: clickHouseTarget(config).kind });
  return {
    checks,
    consoleUrl: consoleRole && `http://${config.CONSOLE_HOST}:${consoleRole.port}/`,
    biUrl: biEndpoint?.url,
    async stop() {
      for (const role of started) await role.stop();
      await erasures.stop();
      await producer.disconnect();
      redis?.disconnect();
      await biEndpoint?.close();
      await clickhouse?.close();
    },
  };
}
