import type { CustomerEvent, SegmentChange } from '@segmentation/contracts';
import type { BusinessCalendar } from './features/buckets.ts';
import { calendarFor } from './features/customer-features.ts';
import type { EventMemoryOptions } from './features/event-memory.ts';
import { applyToRecord, type CustomerRecord } from './features/feature-record.ts';
import { nextEvaluationTime } from './features/next-evaluation.ts';
import { evaluateValueTier, type ValueTierRules } from './value-tier.ts';

export interface Rules {
  version: string;
  valueTier: ValueTierRules;
}

export interface ApplyOptions {
  calendar?: BusinessCalendar;
  eventMemory?: EventMemoryOptions;
}

export type ApplyOutcome =
  | { kind: 'applied'; record: CustomerRecord; changes: Array<Omit<SegmentChange, 'detectedAt'>> }
  /** Redelivered or re-forwarded: a no-op that counts as applied. */
  | { kind: 'already_applied' }
  /** The same event id at a new position: dead-lettered with reason `duplicate`, state unchanged. */
  | { kind: 'duplicate' };

/** Lifetime value in the base currency, from the whole cents the features keep. */
export const lifetimeValueOf = (record: CustomerRecord): number => record.features.lifetime.valueCents / 100;

/**
 * Applies one event (read at `logOffset` of `customer-events`, with the partition's event-time
 * `watermark`) to a customer's record and evaluates the customer right after it (never once per
 * batch), so every output is a function of the log alone. Returns the changes it decided and the
 * record with its next evaluation time, for the partition's timer index.
 */
export function applyEvent(record: CustomerRecord, event: CustomerEvent, logOffset: number, watermark: number, rules: Rules, options: ApplyOptions = {}): ApplyOutcome {
  const calendar = options.calendar ?? calendarFor();
  const outcome = applyToRecord(record, event, logOffset, watermark, { calendar, eventMemory: options.eventMemory });
  if (outcome.kind !== 'applied') return outcome;
  const next: CustomerRecord = {
    ...outcome.record,
    memberships: { ...outcome.record.memberships },
    nextEvaluationAt: nextEvaluationTime(outcome.record.features, Math.max(watermark, event.eventTime), calendar),
  };

  const changes: Array<Omit<SegmentChange, 'detectedAt'>> = [];
  const current = next.memberships.value_tier;
  const verdict = evaluateValueTier({ lifetimeValue: lifetimeValueOf(next) }, current?.segment, rules.valueTier);
  if (verdict.segment !== current?.segment) {
    const sequence = (current?.sequence ?? 0) + 1;
    next.memberships.value_tier = { segment: verdict.segment, sequence, rule: verdict.rule, since: event.eventTime };
    changes.push({
      changeId: `${event.customerId}/value_tier/${sequence}`,
      customerId: event.customerId,
      dimension: 'value_tier',
      fromSegment: current?.segment ?? null,
      toSegment: verdict.segment,
      sequence,
      cause: 'event',
      causeEventId: event.eventId,
      ruleVersion: rules.version,
      rule: verdict.rule,
      features: verdict.features,
      eventTime: event.eventTime,
    });
  }
  return { kind: 'applied', record: next, changes };
}
