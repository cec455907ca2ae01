import type { CustomerEvent } from '@segmentation/contracts';
import type { BusinessCalendar } from './buckets.ts';
import { applyToFeatures, calendarFor, emptyFeatures, type CustomerFeatures } from './customer-features.ts';
import {
  DEFAULT_EVENT_MEMORY,
  emptyEventMemory,
  isRemembered,
  rememberEvent,
  type EventMemory,
  type EventMemoryOptions,
} from './event-memory.ts';

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
 * What applying a log record would do, without doing it. The checks come in the order of their
 * certainty: the log offset, then the exact source position, then the bounded id memory.
 */
export function classifyRecord(record: CustomerRecord, event: CustomerEvent, logOffset: number): 'already_applied' | 'duplicate' | 'new' {
  if (record.lastLogOffset !== null && logOffset <= record.lastLogOffset) return 'already_applied';
  const source = event.source;
  if (source) {
    const applied = record.appliedSources[`${source.topic}:${source.partition}`];
    if (applied !== undefined && source.offset <= applied) return 'already_applied';
  }
  return isRemembered(record.recentEvents, event.eventId) ? 'duplicate' : 'new';
}

/** Applies one log record to a customer's stored record, in log order. */
export function applyToRecord(
  record: CustomerRecord,
  event: CustomerEvent,
  logOffset: number,
  watermark: number,
  options: RecordOptions = {},
): RecordOutcome {
  const kind = classifyRecord(record, event, logOffset);
  if (kind !== 'new') return { kind };
  const source = event.source;
  const sourceKey = source ? `${source.topic}:${source.partition}` : undefined;
  const calendar = options.calendar ?? calendarFor();
  const effective = Math.max(watermark, event.eventTime, record.features.asOf ?? event.eventTime);
  return {
    kind: 'applied',
    record: {
      ...record,
      lastLogOffset: logOffset,
      appliedSources: source && sourceKey !== undefined ? { ...record.appliedSources, [sourceKey]: source.offset } : record.appliedSources,
      recentEvents: rememberEvent(
        record.recentEvents,
        event.eventId,
        event.eventTime,
        effective,
        options.eventMemory ?? DEFAULT_EVENT_MEMORY,
      ),
      features: applyToFeatures(record.features, event, effective, calendar),
    },
  };
}
