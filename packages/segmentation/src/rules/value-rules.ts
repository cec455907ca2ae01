import { z } from 'zod';
import type { ValueSettings } from '../value/customer-value.ts';

// The `value` section of the rules file: predicted customer lifetime value (客户终身价值, CLTV), the
// derived features expected_orders_12m, expected_order_value and clv_12m (value/customer-value.ts).
// The Gamma-Gamma parameters are a population model: fitted by `pnpm rules population` from stored
// state and published as rules content (DESIGN.md invariant 9), never estimated per evaluation.

/** Derived features the section makes; a rules file that reads one needs the section. */
export const VALUE_FEATURES = ['expected_orders_12m', 'expected_order_value', 'clv_12m'] as const;

const positive = (what: string) => z.number({ error: `${what}: a number` }).positive(`${what} must be above 0`);

export const valueSchema = z
  .object({
    /** Months predicted. The features are named for 12 (clv_12m): another horizon would need names of its own. */
    horizon_months: z.literal(12, { error: 'horizon_months is 12: the features are named for it (expected_orders_12m, clv_12m)' }),
    /** Annual rate at which next year's money is discounted, applied month by month. */
    discount_rate: z
      .number({ error: 'discount_rate: an annual rate such as 0.08' })
      .min(0, 'discount_rate is an annual rate, at least 0 (0.08 = 8 % a year)')
      .lt(1, 'discount_rate is an annual rate below 1 (0.08 = 8 % a year, not 8)'),
    /** Gamma-Gamma population parameters of the order value, in the base currency. */
    gamma_gamma: z
      .object({
        /** Where the parameters come from: absent = the documented prior, not fitted on this company's orders. */
        fitted: z
          .object({
            at: z.string(),
            customers: z.number().int(),
            log_likelihood: z.number(),
            /** The orders the fit read: those of the last 365 days. */
            orders: z.literal('365d'),
          })
          .strict()
          .optional(),
        /** Shape of an order's value around the customer's own mean. */
        p: positive('gamma_gamma.p'),
        /** Shape of the customers' mean values; above 1, or the population's mean order value is infinite. */
        q: z
          .number({ error: 'gamma_gamma.q: a number' })
          .gt(1, 'gamma_gamma.q must be above 1: the population mean order value γp/(q − 1) is infinite otherwise'),
        /** Scale of the customers' mean values, in the base currency. */
        gamma: positive('gamma_gamma.gamma'),
      })
      .strict(),
    /** `pnpm rules population` fits gamma_gamma only from at least this many customers with 2+ orders in 365 days. */
    fit_min_customers: z.number().int('a whole number of customers').min(2, 'fit_min_customers: at least 2').default(100),
  })
  .strict();

export type ValueRules = z.output<typeof valueSchema>;

export const compileValue = (value: ValueRules): ValueSettings => ({
  horizonMonths: value.horizon_months,
  discountRate: value.discount_rate,
  gammaGamma: { p: value.gamma_gamma.p, q: value.gamma_gamma.q, gamma: value.gamma_gamma.gamma },
});
