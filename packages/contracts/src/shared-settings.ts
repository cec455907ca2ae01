import { z } from 'zod';
import { intSetting, listSetting } from '@segmentation/runtime';
import { DEFAULT_BASE_CURRENCY, DEFAULT_CURRENCY_RATES, parseRates } from './money.ts';

/**
 * Settings every process that reads or writes the pipeline's topics shares — the pipeline, the
 * import command, the simulator — with the same names and defaults, so they cannot drift apart.
 */
export const sharedSettings = {
  KAFKA_BROKERS: listSetting.default(['127.0.0.1:9092']),
  SCHEMA_REGISTRY_URL: z.url().default('http://127.0.0.1:8081/apis/ccompat/v7'),
  /** Prepended to every topic name: separates deployments sharing a cluster. */
  TOPIC_PREFIX: z.string().default(''),
  BASE_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY').default(DEFAULT_BASE_CURRENCY),
  /** Units of the base currency per unit of each currency: `USD=7.1,EUR=7.7`. */
  CURRENCY_RATES: z.string().default(DEFAULT_CURRENCY_RATES),
  /** Seconds an event time may be ahead of the wall clock before it is refused (clock skew between systems). */
  MAX_FUTURE_SKEW_SECONDS: intSetting(0).default(300),
};

/** The cross-field check of the rate table, for a `superRefine` of a schema using `sharedSettings`. */
export function checkCurrencySettings(c: { BASE_CURRENCY: string; CURRENCY_RATES: string }, ctx: z.RefinementCtx): void {
  try {
    parseRates(c.BASE_CURRENCY, c.CURRENCY_RATES);
  } catch {
    ctx.addIssue({ code: 'custom', path: ['CURRENCY_RATES'], message: `must look like USD=7.1,EUR=7.7 (ISO codes, positive rates in ${c.BASE_CURRENCY}; ${c.BASE_CURRENCY} itself, if listed, at 1)` });
  }
}
