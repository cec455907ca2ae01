import type { Kafka } from '@segmentation/kafka';
import { calendarFor, CHURN_ALERT_KEY, evaluateCustomer, type CompiledRules, type CustomerRecord } from '@segmentation/segmentation';
import { CustomerStateStore, EvaluationTimers, type RedisClient } from '@segmentation/state';
import { markFromMetadata } from './partition-clock.ts';
import { customerRecordCodec } from './segmenter.ts';

export interface DryRunSettings {
  /** The segmenter's consumer group: its committed metadata holds each partition's clock. */
  groupId: string;
  customerEventsTopic: string;
  redisKeyPrefix: string;
  timeZone: string;
}

export interface DryRunReport {
  rulesVersion: string;
  customers: number;
  /** Customers with at least one segment or alert-level change. */
  moving: number;
  /** Per dimension, `from → to` and how many customers would take that step. */
  changes: Record<string, Record<string, number>>;
  /** Churn-alert level steps, likewise. */
  alerts: Record<string, number>;
}

/**
 * What publishing `candidate` would do (DESIGN.md invariant 9), without writing or emitting
 * anything: every stored customer evaluated under it at their partition's clock, exactly as the
 * re-evaluation at the control record would, and the resulting moves counted.
 */
export async function dryRunRules(kafka: Kafka, redis: RedisClient, settings: DryRunSettings, candidate: CompiledRules): Promise<DryRunReport> {
  const store = new CustomerStateStore(redis, settings.redisKeyPrefix, customerRecordCodec);
  const timers = new EvaluationTimers(redis, settings.redisKeyPrefix);
  const calendar = calendarFor(settings.timeZone);
  const report: DryRunReport = { rulesVersion: candidate.version, customers: 0, moving: 0, changes: {}, alerts: {} };
  const bump = (counts: Record<string, number>, step: string) => { counts[step] = (counts[step] ?? 0) + 1; };
  const step = (from: string | null, to: string) => `${from ?? '(none)'} → ${to}`;

  for (const [partition, watermark] of await partitionClocks(kafka, settings.groupId, settings.customerEventsTopic)) {
    const ids = await timers.customers(partition);
    for (let start = 0; start < ids.length; start += 1000) {
      for (const [customerId, s] of await store.load(ids.slice(start, start + 1000))) {
        const record: CustomerRecord | undefined = s.state;
        if (!record || record.features.asOf === null) continue;
        report.customers++;
        const at = Math.max(watermark ?? record.features.asOf, record.features.asOf);
        const { outputs } = evaluateCustomer(candidate, customerId, record, at, { kind: 'rules_changed', eventId: null }, calendar);
        if (outputs.changes.length > 0 || outputs.alerts.length > 0) report.moving++;
        for (const c of outputs.changes) bump((report.changes[c.dimension] ??= {}), step(c.fromSegment, c.toSegment));
        for (const a of outputs.alerts) bump(report.alerts, step(record.memberships[CHURN_ALERT_KEY]?.segment ?? null, a.level));
      }
    }
  }
  return report;
}

/** Every partition of the topic with the watermark the group committed for it (null if none). */
async function partitionClocks(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, number | null>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const partitions = (await admin.fetchTopicOffsets(topic)).map((o) => o.partition).sort((a, b) => a - b);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const metadata = new Map((committed?.partitions ?? []).map((p) => [p.partition, p.metadata]));
    return new Map(partitions.map((p) => [p, markFromMetadata(metadata.get(p) ?? null).watermark]));
  } finally {
    await admin.disconnect();
  }
}
