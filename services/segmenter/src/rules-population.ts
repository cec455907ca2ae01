import type { Kafka } from '@segmentation/kafka';
import {
  calendarFor,
  compileRules,
  customerValues,
  RulesError,
  featureValues,
  fitOrderValues,
  orderValueHistory,
  populationThresholds,
  profileAttributes,
  withOrderValueFit,
  withPopulationThresholds,
  type CompiledRules,
  type CustomerRecord,
  type MonetaryHistory,
  type OrderValueFitResult,
  type PopulationCustomer,
  type PopulationThresholds,
} from '@segmentation/segmentation';
import type { RedisClient } from '@segmentation/state';
import { storedCustomers, type StoredCustomersSettings } from './stored-customers.ts';

/**
 * Population-relative thresholds from stored state (DESIGN.md invariant 9): the Gamma-Gamma model
 * of order values fitted on every stored customer with 2+ orders in 365 days (when the rules have a
 * `value` section), then every customer's features at their partition's clock under the fitted
 * rules, the quantiles the `population` section of `base` asks for, and `base` rewritten with both
 * (comments kept), ready to dry-run and publish as a new version. Two passes over the stored
 * customers: the quantiles of clv_12m must be those of the fitted model.
 */
export async function populationRules(
  kafka: Kafka,
  redis: RedisClient,
  settings: StoredCustomersSettings & { timeZone: string },
  base: CompiledRules,
): Promise<PopulationRules> {
  return populationRulesOf(() => storedCustomers(kafka, redis, settings), settings.timeZone, base);
}

export interface PopulationRules {
  text: string;
  rules: CompiledRules;
  thresholds: PopulationThresholds;
  orderValueFit: OrderValueFitResult | undefined;
}

/** A customer's stored record and the time its partition's clock has reached. */
export interface PopulationMember {
  record: CustomerRecord;
  at: number;
}

/**
 * The same computation from any source of customers, read twice (`members` is called once per
 * pass): Redis for the command and the calibration, a replay's final states for `pnpm quality`.
 */
export async function populationRulesOf(
  members: () => AsyncIterable<PopulationMember> | Iterable<PopulationMember>,
  timeZone: string,
  base: CompiledRules,
): Promise<PopulationRules> {
  const calendar = calendarFor(timeZone);
  let fitted = { text: base.source, rules: base };
  let orderValueFit: OrderValueFitResult | undefined;
  if (base.value !== undefined) {
    const histories: MonetaryHistory[] = [];
    let clock = 0;
    for await (const { record, at } of members()) {
      const history = orderValueHistory(featureValues(record.features, at, calendar));
      if (history) histories.push(history);
      clock = Math.max(clock, at);
    }
    orderValueFit = fitOrderValues(base, histories);
    if ('fit' in orderValueFit) {
      try {
        const text = withOrderValueFit(base.source, orderValueFit.fit, clock, `rules version ${base.version}`);
        fitted = { text, rules: compileRules(text, 'rules with the order value fit') };
      } catch (err) {
        // A fit the rules cannot hold (a γ that rounds to 0 when order values hardly vary within a
        // customer) keeps the prior, as a fit that did not converge does: the quantiles still come.
        if (!(err instanceof RulesError)) throw err;
        const { params } = orderValueFit.fit;
        orderValueFit = {
          skipped: `the fit (p = ${params.p}, q = ${params.q}, γ = ${params.gamma}) is not valid rules: ${err.message.split('\n').at(-1)?.trim() ?? err.message}; gamma_gamma kept`,
          customers: orderValueFit.fit.customers,
        };
      }
    }
  }
  // Only the features the quantiles read are kept: a few numbers per customer, not sixty.
  const read = new Set([
    'days_since_last_order',
    'orders_365d',
    'order_value_365d',
    ...Object.values(base.file.population?.parameters ?? {}).map((p) => p.feature),
  ]);
  const customers: PopulationCustomer[] = [];
  for await (const { record, at } of members()) {
    // The derived values too (churn risk, predicted value): a parameter may be a quantile of one.
    const { features: all } = customerValues(fitted.rules, record, at, calendar);
    const features: Record<string, number> = {};
    for (const name of read) if (all[name] !== undefined) features[name] = all[name];
    customers.push({ industry: profileAttributes(record.features).industry, features });
  }
  const thresholds = populationThresholds(fitted.rules, customers);
  const text = withPopulationThresholds(fitted.text, thresholds, `rules version ${base.version}`);
  return { text, rules: compileRules(text, 'population rules'), thresholds, orderValueFit };
}
