import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ClickHouseClient } from '@segmentation/clickhouse';
import { avroSchemas, type ChurnAlert, type SegmentChange, type TopicNames } from '@segmentation/contracts';
import { tailTopics, type AvroCodec, type ConsumedMessage, type Kafka, type ReliableProducer, type TopicTail } from '@segmentation/kafka';
import type { HealthCheck, Logger } from '@segmentation/runtime';
import { compileRules, type CompiledRules } from '@segmentation/segmentation';
import { createCustomerReader, readRulesHistory } from '@segmentation/readers';
import { requestErasure, type ErasureList } from '@segmentation/erasure';
import type { RedisClient } from '@segmentation/state';
import { episodeQueries } from './alert-episodes.ts';
import { alertInbox } from './alert-inbox.ts';
import { alertWorkflowStore } from './alert-workflow-store.ts';
import type { ConsoleAccess } from './console-access.ts';
import { kafkaAuditTrail } from './console-audit.ts';
import { createConsoleServer } from './console-server.ts';
import { customerDetails } from './customer-details.ts';
import { historyQueries } from './history-queries.ts';
import { LiveFeed, VALUE_TIER } from './live-feed.ts';
import { measureQueries } from './measures.ts';

export interface ConsoleSettings {
  host: string;
  port: number;
  /** Personal users with roles (CONSOLE_USERS_FILE, CONSOLE_USERS), or the shared CONSOLE_TOKEN. */
  access: ConsoleAccess;
  corsOrigins: string[];
  maxStreams: number;
  groupPrefix: string;
  topics: TopicNames;
  redisKeyPrefix: string;
  timeZone: string;
  /** The rules to show before the registry has any version (RULES_FILE). */
  fallbackRules: CompiledRules;
}

export interface ConsoleDeps {
  kafka: Kafka;
  codec: AvroCodec;
  /** Writes the audit trail and the erasures an admin asks for. */
  producer: ReliableProducer;
  clickhouse: ClickHouseClient;
  redis?: RedisClient;
  logger: Logger;
  metrics: Registry;
  /** Every check of the process, for the console's own /healthz and /readyz. */
  checks: () => HealthCheck[];
  /** The erasure list: erased customers leave the live feed and never enter it again. */
  erasures?: ErasureList;
}

const RULES_REFRESH_MS = 60_000;

/**
 * The console role: the operations API, the live stream and the web page (services/console/web).
 * Reads ClickHouse (history), Redis (each customer now) and tails the output topics; writes only
 * the audit trail, the work on alert episodes (alert-workflow, for operators) and, for an admin,
 * the erasure list.
 */
export function createConsole(settings: ConsoleSettings, deps: ConsoleDeps) {
  const logger = deps.logger.child({ role: 'console' });
  const feed = new LiveFeed({ backlogSize: 200, maxCustomers: 100_000 });
  const reader = deps.redis && createCustomerReader(deps.redis, settings.redisKeyPrefix, settings.timeZone);
  const streamed = new Counter({
    name: 'console_feed_items_total',
    help: 'Segment changes and churn alerts the live feed received',
    labelNames: ['kind'],
    registers: [deps.metrics],
  });
  new Gauge({
    name: 'console_stream_viewers',
    help: 'Open live streams',
    registers: [deps.metrics],
    collect() {
      this.set(feed.viewerCount);
    },
  });
  deps.erasures?.onErased('console', (customerIds) => Promise.resolve(feed.forget(customerIds)));

  let rules = { compiled: settings.fallbackRules, readAt: 0 };
  async function rulesInForce(): Promise<CompiledRules> {
    if (Date.now() - rules.readAt > RULES_REFRESH_MS) {
      const latest = (await readRulesHistory(deps, settings.topics.rulesVersions)).at(-1);
      rules = {
        compiled:
          latest && latest.version !== rules.compiled.version
            ? compileRules(latest.content, `rules version ${latest.version}`)
            : rules.compiled,
        readAt: Date.now(),
      };
    }
    return rules.compiled;
  }
  const dimensions = async () =>
    (await rulesInForce()).dimensions.map((d) => ({
      name: d.name,
      segments: 'segments' in d ? [...d.segments.map((s) => s.name), d.fallback.name] : [],
    }));
  /** Whether the churn model in force was fitted on this company's history (else the page says so). */
  const churnModel = async () => {
    const rules = await rulesInForce();
    return { rulesVersion: rules.version, fitted: rules.churn.fitted };
  };

  async function onRecord(m: ConsumedMessage): Promise<void> {
    if (m.topic === settings.topics.segmentChanges) {
      const change = await deps.codec.decode<SegmentChange>(m.value, avroSchemas.segmentChange);
      if (deps.erasures?.has(change.customerId)) return;
      // A value-tier filter needs every change's tier: ask the state once for a customer not seen yet.
      if (reader && !feed.knowsTier(change.customerId) && change.dimension !== VALUE_TIER) {
        const tier = (await reader.customer(change.customerId))?.memberships[VALUE_TIER]?.segment;
        if (tier !== undefined) feed.rememberTier(change.customerId, tier);
      }
      feed.addChange(change);
      streamed.inc({ kind: 'segment_change' });
    } else {
      const alert = await deps.codec.decode<ChurnAlert>(m.value, avroSchemas.churnAlert);
      if (deps.erasures?.has(alert.customerId)) return;
      feed.addAlert(alert);
      streamed.inc({ kind: 'churn_alert' });
    }
  }

  let tail: TopicTail | undefined;
  let server: FastifyInstance | undefined;
  const tailCheck: HealthCheck = { name: 'console-live-feed', isHealthy: () => true, isReady: () => tail?.isReady() ?? false };
  return {
    consumer: tailCheck,
    get port(): number | undefined {
      const address = server?.server.address();
      return typeof address === 'object' && address !== null ? address.port : undefined;
    },
    async start(): Promise<void> {
      tail = await tailTopics(
        deps.kafka,
        {
          topics: [settings.topics.segmentChanges, settings.topics.churnAlerts],
          backlogPerPartition: 20,
          groupPrefix: `${settings.groupPrefix}-console`,
        },
        onRecord,
        logger,
      );
      const history = historyQueries(deps.clickhouse, settings.timeZone);
      server = await createConsoleServer(
        {
          host: settings.host,
          port: settings.port,
          access: settings.access,
          corsOrigins: settings.corsOrigins,
          timeZone: settings.timeZone,
          maxStreams: settings.maxStreams,
        },
        {
          history,
          episodes: episodeQueries(deps.clickhouse),
          workflow: alertWorkflowStore(deps, settings.topics.alertWorkflow),
          inbox: alertInbox(deps.clickhouse),
          measures: measureQueries(deps.clickhouse, settings.timeZone),
          customers: customerDetails({
            history,
            // With the rules in force: the drill-down shows the churn risk and predicted value (CLTV) the segments were decided on.
            state: reader && (async (id) => reader.customer(id, undefined, await rulesInForce())),
            dimensionNames: async () => (await dimensions()).map((d) => d.name),
          }),
          feed,
          audit: kafkaAuditTrail(deps, settings.topics.consoleAudit),
          eraseCustomers: (customerIds, by) =>
            requestErasure(deps, settings.topics.customerErasures, customerIds, { ...by, requestedAt: Date.now() }),
          dimensions,
          churnModel,
          registry: deps.metrics,
          checks: deps.checks,
          logger,
        },
      );
      logger.info('console_started', { url: `http://${settings.host}:${this.port}/` });
    },
    async stop(): Promise<void> {
      await server?.close();
      await tail?.stop();
    },
  };
}
