import type { Kafka } from '@segmentation/kafka';
import {
  calendarFor, compileRules, featureValues, populationThresholds, profileAttributes, withPopulationThresholds,
  type CompiledRules, type PopulationCustomer, type PopulationThresholds,
} from '@segmentation/segmentation';
import type { RedisClient } from '@segmentation/state';
import { storedCustomers, type StoredCustomersSettings } from './stored-customers.ts';

/**
 * Population-relative thresholds from stored state (DESIGN.md invariant 9): every stored customer's
 * features at their partition's clock, the quantiles the `population` section of `base` asks for,
 * and `base` rewritten with them (comments kept), ready to dry-run and publish as a new version.
 */
export async function populationRules(kafka: Kafka, redis: RedisClient, settings: StoredCustomersSettings & { timeZone: string }, base: CompiledRules): Promise<{ text: string; rules: CompiledRules; thresholds: PopulationThresholds }> {
  const calendar = calendarFor(settings.timeZone);
  // Only the features the quantiles read are kept: a few numbers per customer, not sixty.
  const read = new Set(['days_since_last_order', 'orders_365d', 'order_value_365d', ...Object.values(base.file.population?.parameters ?? {}).map((p) => p.feature)]);
  const customers: PopulationCustomer[] = [];
  for await (const { record, at } of storedCustomers(kafka, redis, settings)) {
    const all = featureValues(record.features, at, calendar);
    const features: Record<string, number> = {};
    for (const name of read) if (all[name] !== undefined) features[name] = all[name];
    customers.push({ industry: profileAttributes(record.features).industry, features });
  }
  const thresholds = populationThresholds(base, customers);
  const text = withPopulationThresholds(base.source, thresholds, `rules version ${base.version}`);
  return { text, rules: compileRules(text, 'population rules'), thresholds };
}
