// The value tiers a replayed history would have after the automatic calibration: the population
// thresholds computed from the replay's final states, as the calibration computes them from Redis
// (populationRulesOf: the same Gamma-Gamma fit, quantiles and rewrite of the rules), then every
// customer re-evaluated under them at the end of the span, as the re-evaluation at the control
// record does (evaluateCustomer with the cause rules_changed, dwell and hysteresis included).
import {
  calendarFor,
  evaluateCustomer,
  type CompiledRules,
  type CustomerRecord,
  type PopulationThresholds,
} from '@segmentation/segmentation';
import { populationRulesOf } from '../rules-population.ts';

export interface CalibratedTiers {
  rules: CompiledRules;
  thresholds: PopulationThresholds;
  /** Each customer's value tier after the re-evaluation. */
  tiers: Map<string, string>;
}

export async function calibratedTiers(
  base: CompiledRules,
  finals: ReadonlyMap<string, CustomerRecord>,
  at: number,
  timeZone: string,
): Promise<CalibratedTiers> {
  // A partition's clock never stands before a customer's own last event (stored-customers.ts).
  const members = () => [...finals.values()].map((record) => ({ record, at: Math.max(at, record.features.asOf ?? at) }));
  const { rules, thresholds } = await populationRulesOf(members, timeZone, base);
  const calendar = calendarFor(timeZone);
  const tiers = new Map<string, string>();
  for (const [customerId, record] of finals) {
    const { record: after } = evaluateCustomer(
      rules,
      customerId,
      record,
      Math.max(at, record.features.asOf ?? at),
      { kind: 'rules_changed', eventId: null },
      calendar,
    );
    tiers.set(customerId, after.memberships.value_tier?.segment ?? 'none');
  }
  return { rules, thresholds, tiers };
}
