import { calendarFor, featureValues, profileAttributes, type Membership } from '@segmentation/segmentation';
import { CustomerStateStore, type RedisClient } from '@segmentation/state';
import { customerRecordCodec } from './segmenter.ts';

/** One customer's features as a reader sees them (console, evaluation, backfills). */
export interface CustomerView {
  customerId: string;
  /** The event time the windows are computed at (epoch ms). */
  asOf: number;
  /** Every feature of FEATURES.md by name: counts, sums in the base currency, rates, days. */
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
     * them. Pass the partition's watermark (or the wall clock) to see a silent customer age.
     */
    async customer(customerId: string, at?: number): Promise<CustomerView | undefined> {
      const record = (await store.get(customerId))?.state;
      if (record?.features.asOf === null || record === undefined) return undefined;
      const asOf = Math.max(at ?? 0, record.features.asOf);
      return {
        customerId,
        asOf,
        features: featureValues(record.features, asOf, calendar),
        profile: profileAttributes(record.features),
        memberships: record.memberships,
        nextEvaluationAt: record.nextEvaluationAt,
      };
    },
    /** Every stored customer id, a page at a time (for backfills). */
    customerIds: (pageSize?: number) => store.customerIds(pageSize),
  };
}
