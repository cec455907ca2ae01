import { bodyOf, type CustomerEvent } from '@segmentation/contracts';
import type { BusinessCalendar } from './features/buckets.ts';
import { calendarFor } from './features/customer-features.ts';
import type { EventMemoryOptions } from './features/event-memory.ts';
import { applyToRecord, type CustomerRecord } from './features/feature-record.ts';
import { evaluateCustomer, RULES_KEY, type CustomerOutputs, type Evaluated } from './rules/engine.ts';
import type { CompiledRules } from './rules/rules-file.ts';

// A customer's record moves in three ways, each evaluated at a fixed point of the log (DESIGN.md
// invariants 4, 7 and 9): one of their events is applied, the partition's clock passes their next
// evaluation time (a timer: silence is a signal), or the partition reaches a rules control record.

export interface ApplyOptions {
  calendar?: BusinessCalendar;
  eventMemory?: EventMemoryOptions;
}

export type ApplyOutcome =
  | { kind: 'applied'; record: CustomerRecord; outputs: CustomerOutputs }
  /** Redelivered or re-forwarded: a no-op that counts as applied. */
  | { kind: 'already_applied' }
  /** The same event id at a new position: dead-lettered with reason `duplicate`, state unchanged. */
  | { kind: 'duplicate' };

/** Lifetime value in the base currency, from the whole cents the features keep. */
export const lifetimeValueOf = (record: CustomerRecord): number => record.features.lifetime.valueCents / 100;

/**
 * Applies one event (read at `logOffset` of `customer-events`, with the partition's event-time
 * `watermark`) and evaluates the customer right after it (never once per batch), so every output
 * is a function of the log alone.
 */
export function applyEvent(
  record: CustomerRecord,
  event: CustomerEvent,
  logOffset: number,
  watermark: number,
  rules: CompiledRules,
  options: ApplyOptions = {},
): ApplyOutcome {
  const calendar = options.calendar ?? calendarFor();
  const outcome = applyToRecord(record, event, logOffset, watermark, { calendar, eventMemory: options.eventMemory });
  if (outcome.kind !== 'applied') return outcome;
  const at = outcome.record.features.asOf ?? event.eventTime;
  const cause = { kind: bodyOf(event).kind === 'profile' ? ('profile' as const) : ('event' as const), eventId: event.eventId };
  const { record: evaluated, outputs } = evaluateCustomer(rules, event.customerId, outcome.record, at, cause, calendar);
  return { kind: 'applied', record: evaluated, outputs };
}

/** Evaluates a silent customer whose next evaluation time the partition's clock has reached. */
export function applyTimer(
  record: CustomerRecord,
  customerId: string,
  at: number,
  rules: CompiledRules,
  options: ApplyOptions = {},
): Evaluated {
  return evaluateCustomer(
    rules,
    customerId,
    record,
    Math.max(at, record.features.asOf ?? at),
    { kind: 'timer', eventId: null },
    options.calendar ?? calendarFor(),
  );
}

/** Where a rules control record sits in `customer-events`: its event id and offset. */
export interface RulesControl {
  eventId: string;
  offset: number;
}

/**
 * Re-evaluates a customer under new rules at the partition's clock, where a control record of the
 * partition put them in force (DESIGN.md invariant 9); undefined when the customer's record has
 * already been past that point of the log (re-evaluated there, or an event after it applied),
 * so a re-evaluation redone after a crash decides nothing twice. The customer keeps the control
 * record's offset (RULES_KEY: segment = version, sequence = offset) to know that.
 */
export function applyRules(
  record: CustomerRecord,
  customerId: string,
  watermark: number,
  rules: CompiledRules,
  control: RulesControl,
  options: ApplyOptions = {},
): Evaluated | undefined {
  const reached = Math.max(record.lastLogOffset ?? -1, record.memberships[RULES_KEY]?.sequence ?? -1);
  if (reached >= control.offset) return undefined;
  const at = Math.max(watermark, record.features.asOf ?? watermark);
  const evaluated = evaluateCustomer(
    rules,
    customerId,
    record,
    at,
    { kind: 'rules_changed', eventId: control.eventId },
    options.calendar ?? calendarFor(),
  );
  evaluated.record.memberships[RULES_KEY] = { segment: rules.version, sequence: control.offset, rule: '', since: at };
  return evaluated;
}
