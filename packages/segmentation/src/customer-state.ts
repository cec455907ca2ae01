import type { CustomerEvent, SegmentChange } from '@segmentation/contracts';
import { orderOf } from '@segmentation/contracts';
import { evaluateValueTier, type ValueTierRules } from './value-tier.ts';

/** A customer's current membership in one dimension, with what put them there. */
export interface Membership {
  segment: string;
  sequence: number;
  rule: string;
  since: number;
}

/**
 * Everything the segmenter keeps about one customer. It is a pure fold of the customer's events
 * in log order, so replaying the log rebuilds it exactly.
 */
export interface CustomerState {
  customerId: string;
  orderCount: number;
  /** Sum of placed orders in the base currency, all history. */
  lifetimeValue: number;
  firstOrderAt: number | null;
  lastOrderAt: number | null;
  /** Offset of the last `customer-events` record applied (a customer lives in one partition). */
  lastLogOffset: number | null;
  /** Per source partition (`topic:partition`), the highest source offset applied: re-forwards are no-ops. */
  appliedSources: Record<string, number>;
  memberships: Record<string, Membership>;
}

export const emptyState = (customerId: string): CustomerState => ({
  customerId,
  orderCount: 0,
  lifetimeValue: 0,
  firstOrderAt: null,
  lastOrderAt: null,
  lastLogOffset: null,
  appliedSources: {},
  memberships: {},
});

export interface Rules {
  version: string;
  valueTier: ValueTierRules;
}

export type ApplyOutcome =
  | { kind: 'applied'; state: CustomerState; changes: Array<Omit<SegmentChange, 'detectedAt'>> }
  | { kind: 'already_applied' };

/**
 * Applies one event (read at `logOffset` of `customer-events`) to the state and evaluates the
 * customer right after it (never once per batch), so every output is a function of the log alone.
 * A record at or below the applied log offset (redelivery), or re-forwarded from a source position
 * already applied, changes nothing. Returns the changes it decided.
 */
export function applyEvent(state: CustomerState, event: CustomerEvent, logOffset: number, rules: Rules): ApplyOutcome {
  if (state.lastLogOffset !== null && logOffset <= state.lastLogOffset) return { kind: 'already_applied' };
  const sourceKey = event.source ? `${event.source.topic}:${event.source.partition}` : undefined;
  if (event.source && sourceKey !== undefined) {
    const applied = state.appliedSources[sourceKey];
    if (applied !== undefined && event.source.offset <= applied) return { kind: 'already_applied' };
  }
  const next: CustomerState = {
    ...state,
    lastLogOffset: logOffset,
    appliedSources: sourceKey !== undefined && event.source ? { ...state.appliedSources, [sourceKey]: event.source.offset } : state.appliedSources,
    memberships: { ...state.memberships },
  };
  const order = orderOf(event);
  if (order && order.kind === 'PLACED') {
    next.orderCount += 1;
    next.lifetimeValue = Math.round((next.lifetimeValue + order.amountBase) * 100) / 100;
    next.firstOrderAt = next.firstOrderAt === null ? event.eventTime : Math.min(next.firstOrderAt, event.eventTime);
    next.lastOrderAt = next.lastOrderAt === null ? event.eventTime : Math.max(next.lastOrderAt, event.eventTime);
  }

  const changes: Array<Omit<SegmentChange, 'detectedAt'>> = [];
  const current = next.memberships.value_tier;
  const verdict = evaluateValueTier({ lifetimeValue: next.lifetimeValue }, current?.segment, rules.valueTier);
  if (verdict.segment !== current?.segment) {
    const sequence = (current?.sequence ?? 0) + 1;
    next.memberships.value_tier = { segment: verdict.segment, sequence, rule: verdict.rule, since: event.eventTime };
    changes.push({
      changeId: `${state.customerId}/value_tier/${sequence}`,
      customerId: state.customerId,
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
  return { kind: 'applied', state: next, changes };
}
