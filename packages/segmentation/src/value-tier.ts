// Value tier (客户价值): high / medium / low by contribution. Separate enter and exit thresholds
// keep a customer near a boundary from flapping: to enter "high" lifetime value must reach
// highEnter; to leave it, it must fall below highExit (highExit <= highEnter).

export type ValueTier = 'high' | 'medium' | 'low';

export interface ValueTierRules {
  /** Base-currency lifetime value at which a customer enters the tier. */
  highEnter: number;
  highExit: number;
  mediumEnter: number;
  mediumExit: number;
}

export interface TierVerdict {
  segment: ValueTier;
  rule: string;
  features: Record<string, number>;
}

export function evaluateValueTier(features: { lifetimeValue: number }, current: string | undefined, rules: ValueTierRules): TierVerdict {
  const ltv = features.lifetimeValue;
  const f = { lifetimeValue: ltv };
  const staysHigh = current === 'high' && ltv >= rules.highExit;
  if (staysHigh || ltv >= rules.highEnter) {
    return { segment: 'high', rule: staysHigh && ltv < rules.highEnter ? 'value_tier.high.stay' : 'value_tier.high.enter', features: f };
  }
  // Someone leaving "high" is held in "medium" by the medium exit threshold too.
  const staysMedium = (current === 'medium' || current === 'high') && ltv >= rules.mediumExit;
  if (staysMedium || ltv >= rules.mediumEnter) {
    return { segment: 'medium', rule: staysMedium && ltv < rules.mediumEnter ? 'value_tier.medium.stay' : 'value_tier.medium.enter', features: f };
  }
  return { segment: 'low', rule: 'value_tier.low', features: f };
}
