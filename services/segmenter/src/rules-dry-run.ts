import type { Kafka } from '@segmentation/kafka';
import { calendarFor, CHURN_ALERT_KEY, evaluateCustomer, type CompiledRules } from '@segmentation/segmentation';
import type { RedisClient } from '@segmentation/state';
import { storedCustomers, type StoredCustomersSettings } from './stored-customers.ts';

export interface DryRunReport {
  rulesVersion: string;
  customers: number;
  /** Customers with at least one segment or alert-level change. */
  moving: number;
  /** Per dimension, `from → to` and how many customers would take that step. */
  changes: Record<string, Record<string, number>>;
  /** Churn-alert level steps, likewise. */
  alerts: Record<string, number>;
  /** What the alert messages would do to episodes (opened, escalated, closed...): what receivers would be told. */
  episodes: Record<string, number>;
}

/**
 * What publishing `candidate` would do (DESIGN.md invariant 9), without writing or emitting
 * anything: every stored customer evaluated under it at their partition's clock, exactly as the
 * re-evaluation at the control record would, and the resulting moves counted.
 */
export async function dryRunRules(
  kafka: Kafka,
  redis: RedisClient,
  settings: StoredCustomersSettings & { timeZone: string },
  candidate: CompiledRules,
): Promise<DryRunReport> {
  const calendar = calendarFor(settings.timeZone);
  const report: DryRunReport = { rulesVersion: candidate.version, customers: 0, moving: 0, changes: {}, alerts: {}, episodes: {} };
  const bump = (counts: Record<string, number>, step: string) => {
    counts[step] = (counts[step] ?? 0) + 1;
  };
  const step = (from: string | null, to: string) => `${from ?? '(none)'} → ${to}`;
  for await (const { customerId, record, at } of storedCustomers(kafka, redis, settings)) {
    report.customers++;
    const { outputs } = evaluateCustomer(candidate, customerId, record, at, { kind: 'rules_changed', eventId: null }, calendar);
    if (outputs.changes.length > 0 || outputs.alerts.length > 0) report.moving++;
    for (const c of outputs.changes) bump((report.changes[c.dimension] ??= {}), step(c.fromSegment, c.toSegment));
    for (const a of outputs.alerts) {
      bump(report.alerts, step(record.memberships[CHURN_ALERT_KEY]?.segment ?? null, a.level));
      if (a.episodeEvent !== null) bump(report.episodes, a.episodeEvent);
    }
  }
  return report;
}
