import type { Membership } from '../features/feature-record.ts';
import { evaluate, holds, type Expression, type Reason, type Values } from './expression.ts';

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
      o.kind === 'number' ? o.value : o.kind === 'feature' ? values.features[o.name] : values.parameters[o.name];
    const value = read(side);
    const threshold = read(other);
    return value === undefined || threshold === undefined || side.kind !== 'feature'
      ? []
      : [{ condition: expression.text, feature: side.name, value, threshold }];
  }
  return expression.kind === 'not' ? explain(expression.term, values) : expression.terms.flatMap((t) => explain(t, values));
}

export function evaluateDimension(rules: DimensionRules, values: Values, current: Membership | undefined, at: number): DimensionVerdict {
  // A segment reachable only from others (won back) is a state, not a trait: flagged only where it could be entered.
  // Each `enter` is decided once (flags and the choice both need it); reasons only for the segment chosen.
  const enters = rules.segments.map((s) => holds(s.enter, values));
  const flags = rules.segments
    .filter((s, i) => (s.from === undefined || (current !== undefined && s.from.includes(current.segment))) && enters[i])
    .map((s) => s.name);
  const target = chooseSegment(rules, values, current?.segment, enters);
  const dwellEnds = current ? current.since + rules.minDwellDays * DAY_MS : Number.NEGATIVE_INFINITY;
  const heldRule = rules.segments.find((s) => s.name === current?.segment);
  const held = heldRule ?? (current?.segment === rules.fallback.name ? rules.fallback : undefined);
  // A segment the rules no longer define (renamed in a new version) is not held: nothing to keep the customer in.
  if (current && held && target.segment !== current.segment && at < dwellEnds) {
    // Explained by the conditions of the segment it stays in, with today's values (DESIGN.md invariant 8).
    const reasons = heldRule ? explain(heldRule.exit ?? heldRule.enter, values) : [];
    return {
      segment: current.segment,
      strategy: held.strategy,
      rule: `${rules.name}.${current.segment}.dwell`,
      reasons,
      flags,
      heldUntil: dwellEnds,
    };
  }
  return { ...target, flags, heldUntil: null };
}

function chooseSegment(
  rules: DimensionRules,
  values: Values,
  current: string | undefined,
  enters: readonly boolean[],
): Omit<DimensionVerdict, 'flags' | 'heldUntil'> {
  // The fallback is explained by what kept the customer out of every other segment: the entry
  // conditions that failed, and the exit condition that held for the segment they were in.
  const notTaken: Expression[] = [];
  for (const [i, s] of rules.segments.entries()) {
    if (s.name === current) {
      if (s.exit) {
        if (!holds(s.exit, values))
          return { segment: s.name, strategy: s.strategy, rule: `${rules.name}.${s.name}.stay`, reasons: explain(s.exit, values) };
        notTaken.push(s.exit);
        continue;
      }
      if (enters[i])
        return { segment: s.name, strategy: s.strategy, rule: `${rules.name}.${s.name}.stay`, reasons: evaluate(s.enter, values).reasons };
      notTaken.push(s.enter);
      continue;
    }
    if (s.from && (current === undefined || !s.from.includes(current))) continue;
    if (enters[i])
      return { segment: s.name, strategy: s.strategy, rule: `${rules.name}.${s.name}.enter`, reasons: evaluate(s.enter, values).reasons };
    notTaken.push(s.enter);
  }
  // Staying in the fallback changes nothing and reports nothing: skip the explanation (most evaluations).
  const reasons = current === rules.fallback.name ? [] : notTaken.flatMap((e) => explain(e, values));
  return {
    segment: rules.fallback.name,
    strategy: rules.fallback.strategy,
    rule: `${rules.name}.${rules.fallback.name}.fallback`,
    reasons,
  };
}
