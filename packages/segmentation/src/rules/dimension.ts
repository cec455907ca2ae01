import type { Membership } from '../features/feature-record.ts';
import { evaluate, featureOf, holds, type Expression, type Reason, type Values } from './expression.ts';

// One dimension (value tier, lifecycle, behaviour…) is a list of segments in priority order and a
// fallback; a customer is in exactly one. Hysteresis: a segment is entered when its `enter`
// condition holds and left only when its `exit` condition holds (so the band between the two
// thresholds keeps whoever is already in), and no change happens before `minDwellDays` in the
// current segment have passed (the change then happens at the first evaluation after that; the
// dwell end is one of the customer's timer points). Traits that overlap (many returns and many
// complaints) are resolved by the priority order; every segment whose `enter` holds is also
// reported as a flag.

export interface SegmentRule {
  name: string;
  /** What the business does for customers in this segment (服务策略). */
  strategy: string;
  enter: Expression;
  /** When to leave; without it, the segment is left as soon as `enter` no longer holds. */
  exit?: Expression | undefined;
  /** Only customers currently in one of these segments may enter (won back: only from churned). */
  from?: readonly string[] | undefined;
}

export interface DimensionRules {
  name: string;
  /** Highest priority first. */
  segments: readonly SegmentRule[];
  fallback: { name: string; strategy: string };
  /** Days of event time a customer stays in a segment before any change (0 = none). */
  minDwellDays: number;
}

export interface DimensionVerdict {
  segment: string;
  strategy: string;
  /** `<dimension>.<segment>.enter|stay|fallback`, or `.dwell` when the minimum dwell held a change back. */
  rule: string;
  reasons: Reason[];
  /** Segments whose `enter` condition holds now, whatever the priority picked. */
  flags: string[];
  /** When a change was held back by the minimum dwell: the earliest event time it may happen. */
  heldUntil: number | null;
}

const DAY_MS = 86_400_000;

/** Every comparison of a condition with the values now, true or not: the explanation of a stay. */
function explain(expression: Expression, values: Values): Reason[] {
  if (expression.kind === 'compare') {
    const side = expression.left.kind === 'feature' ? expression.left : expression.right;
    const other = side === expression.left ? expression.right : expression.left;
    const read = (o: typeof side) =>
      o.kind === 'number' ? o.value : o.kind === 'feature' ? featureOf(values, o.name) : values.parameters[o.name];
    const value = read(side);
    const threshold = read(other);
    return value === undefined || threshold === undefined || side.kind !== 'feature'
      ? []
      : [{ condition: expression.text, feature: side.name, value, threshold }];
  }
  return expression.kind === 'not' ? explain(expression.term, values) : expression.terms.flatMap((t) => explain(t, values));
}

/**
 * The segment a customer is in now, and how: the part of a verdict every evaluation needs. The
 * explanation (rule, reasons, flags) is only read when the segment changes, so the engine asks for
 * it only then (evaluateDimension): explaining every dimension at every evaluation was most of what
 * the segmenter allocated.
 */
export interface SegmentDecision {
  segment: string;
  /** The segment chosen (an index of `segments`, -1 for the fallback), or the one held by the dwell. */
  how: 'enter' | 'stay' | 'fallback' | 'dwell';
  index: number;
  heldUntil: number | null;
}

export function decideSegment(rules: DimensionRules, values: Values, current: Membership | undefined, at: number): SegmentDecision {
  // A segment's `enter` is decided only until one is chosen: the conditions have no side effects.
  let index = -1;
  let how: SegmentDecision['how'] = 'fallback';
  for (let i = 0; i < rules.segments.length; i++) {
    const s = rules.segments[i]!;
    if (s.name === current?.segment) {
      if (s.exit ? !holds(s.exit, values) : holds(s.enter, values)) {
        index = i;
        how = 'stay';
        break;
      }
      continue;
    }
    if (s.from && (current === undefined || !s.from.includes(current.segment))) continue;
    if (holds(s.enter, values)) {
      index = i;
      how = 'enter';
      break;
    }
  }
  const segment = index === -1 ? rules.fallback.name : rules.segments[index]!.name;
  if (current && segment !== current.segment) {
    const dwellEnds = current.since + rules.minDwellDays * DAY_MS;
    // A segment the rules no longer define (renamed in a new version) is not held: nothing to keep the customer in.
    const defined = current.segment === rules.fallback.name || rules.segments.some((s) => s.name === current.segment);
    if (defined && at < dwellEnds) return { segment: current.segment, how: 'dwell', index, heldUntil: dwellEnds };
  }
  return { segment, how, index, heldUntil: null };
}

export function evaluateDimension(rules: DimensionRules, values: Values, current: Membership | undefined, at: number): DimensionVerdict {
  return explainDecision(rules, values, current, decideSegment(rules, values, current, at));
}

/** A decision with its explanation, from the same values it was decided on. */
function explainDecision(
  rules: DimensionRules,
  values: Values,
  current: Membership | undefined,
  decision: SegmentDecision,
): DimensionVerdict {
  // A segment reachable only from others (won back) is a state, not a trait: flagged only where it could be entered.
  const flags = rules.segments
    .filter((s) => (s.from === undefined || (current !== undefined && s.from.includes(current.segment))) && holds(s.enter, values))
    .map((s) => s.name);
  if (decision.how === 'dwell') {
    // Explained by the conditions of the segment it stays in, with today's values (DESIGN.md invariant 8).
    const heldRule = rules.segments.find((s) => s.name === decision.segment);
    return {
      segment: decision.segment,
      strategy: (heldRule ?? rules.fallback).strategy,
      rule: `${rules.name}.${decision.segment}.dwell`,
      reasons: heldRule ? explain(heldRule.exit ?? heldRule.enter, values) : [],
      flags,
      heldUntil: decision.heldUntil,
    };
  }
  if (decision.how === 'fallback') {
    // The fallback is explained by what kept the customer out of every other segment: the entry
    // conditions that failed, and the exit condition that held for the segment they were in.
    // Staying in the fallback changes nothing and reports nothing: no explanation.
    const notTaken =
      current?.segment === rules.fallback.name
        ? []
        : rules.segments.flatMap((s) =>
            s.name === current?.segment
              ? [s.exit ?? s.enter]
              : s.from && (current === undefined || !s.from.includes(current.segment))
                ? []
                : [s.enter],
          );
    return {
      segment: rules.fallback.name,
      strategy: rules.fallback.strategy,
      rule: `${rules.name}.${rules.fallback.name}.fallback`,
      reasons: notTaken.flatMap((e) => explain(e, values)),
      flags,
      heldUntil: null,
    };
  }
  const s = rules.segments[decision.index]!;
  const reasons = decision.how === 'stay' && s.exit ? explain(s.exit, values) : evaluate(s.enter, values).reasons;
  return { segment: s.name, strategy: s.strategy, rule: `${rules.name}.${s.name}.${decision.how}`, reasons, flags, heldUntil: null };
}
