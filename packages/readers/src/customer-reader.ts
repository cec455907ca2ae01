import {
  calendarFor,
  customerValues,
  featureValues,
  profileAttributes,
  type CompiledRules,
  type Membership,
} from '@segmentation/segmentation';
import { CustomerStateStore, type RedisClient } from '@segmentation/state';
import { customerRecordCodec } from './record-codec.ts';

/** One customer's features as a reader sees them (console, evaluation, backfills). */
export interface CustomerView {
  customerId: string;
  /** The event time the windows are computed at (epoch ms). */
  asOf: number;
  /** Every feature of FEATURES.md by name: counts, sums in the base currency, rates, days; with rules, also
   *  the derived values their conditions read (RFM scores, churn risk, predicted value). */
  features: Record<string, number>;
  /** Industry, customer type, country, region, account manager (absent until a profile arrived). */
  profile: Record<string, string>;
  memberships: Record<string, Membership>;
  nextEvaluationAt: number | null;
}

/**
 * The read side of the feature state: never writes, never blocks Redis (single-key reads, and SCAN
 * on every master to list customers).
 */
export function createCustomerReader(redis: RedisClient, keyPrefix: string, timeZone: string) {
  const store = new CustomerStateStore(redis, keyPrefix, customerRecordCodec);
  const calendar = calendarFor(timeZone);
  return {
    /**
     * One customer's features at event time `at`; by default at the latest event time applied to
     * them. Pass the partition's watermark (or the wall clock) to see a silent customer age, and the
     * rules in force to see the derived values as the segmenter computes them.
     */
    async customer(customerId: string, at?: number, rules?: CompiledRules): Promise<CustomerView | undefined> {
      const record = (await store.get(customerId))?.state;
      if (record?.features.asOf === null || record === undefined) return undefined;
      const asOf = Math.max(at ?? 0, record.features.asOf);
      return {
        customerId,
        asOf,
        features: rules ? customerValues(rules, record, asOf, calendar).features : featureValues(record.features, asOf, calendar),
        profile: profileAttributes(record.features),
        memberships: record.memberships,
        nextEvaluationAt: record.nextEvaluationAt,
      };
    },
    /** Every stored customer id, a page at a time (for backfills). */
    customerIds: (pageSize?: number) => store.customerIds(pageSize),
  };
}
