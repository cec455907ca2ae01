import { compare, parseExpression, type Comparison, type Reason } from './expression.ts';

// A segment's reason as the console shows it: the comparison read from the feature's side, with
// the values behind it. Built from the condition text with the rules engine's own parser, so the
// console never re-parses conditions with expressions of its own.

export interface StructuredReason extends Reason {
  /** The comparison as read with the feature first ("order_value_365d >= 500"); null when the condition is not one comparison on that feature. */
  operator: Comparison | null;
  /** True when the condition had the feature on its right ("500 <= order_value_365d"): `operator` is then the mirror of the written one. */
  mirrored: boolean;
  /**
   * Whether `value operator threshold` holds. False for a fallback segment's reasons: it is
   * explained by the entry conditions of the other segments that failed.
   */
  holds: boolean | null;
}

const MIRROR: Record<Comparison, Comparison> = { '>=': '<=', '<=': '>=', '>': '<', '<': '>', '==': '==', '!=': '!=' };

/** Parses condition texts once: the same few conditions explain every change. */
const parsed = new Map<string, ReturnType<typeof parseExpression> | null>();
const PARSED_MAX = 1000;

function comparisonOf(condition: string) {
  if (!parsed.has(condition)) {
    let expression: ReturnType<typeof parseExpression> | null;
    try {
      expression = parseExpression(condition);
    } catch {
      expression = null; // a reason stored by an older rules syntax: shown as its text
    }
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(condition, expression);
  }
  const expression = parsed.get(condition);
  return expression?.kind === 'compare' ? expression : null;
}

/**
 * The reason with its comparison read from the feature's side: {condition: "$medium_value <=
 * order_value_365d", feature: "order_value_365d", value: 21300, threshold: 20000} gives operator
 * ">=", mirrored true, holds true.
 */
export function structureReason(reason: Reason): StructuredReason {
  const comparison = comparisonOf(reason.condition);
  const onLeft = comparison?.left.kind === 'feature' && comparison.left.name === reason.feature;
  const onRight = !onLeft && comparison?.right.kind === 'feature' && comparison.right.name === reason.feature;
  if (comparison === null || (!onLeft && !onRight)) return { ...reason, operator: null, mirrored: false, holds: null };
  const operator = onLeft ? comparison.op : MIRROR[comparison.op];
  return { ...reason, operator, mirrored: onRight, holds: compare(reason.value, operator, reason.threshold) };
}
