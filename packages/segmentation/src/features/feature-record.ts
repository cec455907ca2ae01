import type { CustomerEvent } from '@segmentation/contracts';
import type { BusinessCalendar } from './buckets.ts';
import { applyToFeatures, calendarFor, emptyFeatures, type CustomerFeatures } from './customer-features.ts';
import { DEFAULT_EVENT_MEMORY, emptyEventMemory, isRemembered, rememberEvent, type EventMemory, type EventMemoryOptions } from './event-memory.ts';

// Everything stored for one customer, in one value, so that one atomic write (DESIGN.md invariant 2)
// moves the features and the offsets that produced them together. This is the unit the codec encodes.

/** A customer's current membership in one dimension, with what put them there. */
export interface Membership {
  segment: string;
  sequence: number;
  rule: string;
  since: number;
}

export interface CustomerRecord {
  /** Offset of the last `customer-events` record applied (a customer lives in one partition). */
  lastLogOffset: number | null;
  /** Per source partition (`topic:partition`), the highest source offset applied. */
  appliedSources: Record<string, number>;
  recentEvents: EventMemory;
  features: CustomerFeatures;
  memberships: Record<string, Membership>;
  /** When a window boundary or inactivity threshold will next change a feature (next-evaluation.ts). */
  nextEvaluationAt: number | null;
}

export const emptyRecord = (): CustomerRecord => ({
  lastLogOffset: null,
  appliedSources: {},
  recentEvents: emptyEventMemory(),
  features: emptyFeatures(),
  memberships: {},
  nextEvaluationAt: null,
});

export type RecordOutcome =
  /** Redelivered (at or below the applied log offset) or re-forwarded (source offset already applied): a no-op, counted as applied. */
  | { kind: 'already_applied' }
  /** The same event id at a new position: to be dead-lettered with reason `duplicate`. The state is unchanged,
   *  so a redelivery after a crash before the dead-letter was acknowledged dead-letters it again. */
  | { kind: 'duplicate' }
  | { kind: 'applied'; record: CustomerRecord };

export interface RecordOptions {
  calendar?: BusinessCalendar;
  eventMemory?: EventMemoryOptions;
}

/**
 * Applies one log record to a customer's stored record, in log order. The checks come in the order
 * of their certainty: the log offset, then the exact source position, then the bounded id memory.
 */
export function applyToRecord(record: CustomerRecord, event: CustomerEvent, logOffset: number, watermark: number, options: RecordOptions = {}): RecordOutcome {
  if (record.lastLogOffset !== null && logOffset <= record.lastLogOffset) return { kind: 'already_applied' };
  const source = event.source;
  const sourceKey = source ? `${source.topic}:${source.partition}` : undefined;
  if (source && sourceKey !== undefined) {
    const applied = record.appliedSources[sourceKey];
    if (applied !== undefined && source.offset <= applied) return { kind: 'already_applied' };
  }
  if (isRemembered(record.recentEvents, event.eventId)) return { kind: 'duplicate' };
  const calendar = options.calendar ?? calendarFor();
  const effective = Math.max(watermark, event.eventTime, record.features.asOf ?? event.eventTime);
  return {
    kind: 'applied',
    record: {
      ...record,
      lastLogOffset: logOffset,
      appliedSources: source && sourceKey !== undefined ? { ...record.appliedSources, [sourceKey]: source.offset } : record.appliedSources,
      recentEvents: rememberEvent(record.recentEvents, event.eventId, event.eventTime, effective, options.eventMemory ?? DEFAULT_EVENT_MEMORY),
      features: applyToFeatures(record.features, event, effective, calendar),
    },
  };
}
