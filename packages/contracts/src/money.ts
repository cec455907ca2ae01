import { z } from 'zod';

/** Default rate table (units of CNY per unit), shared by the pipeline, the import and the simulator. */
export const DEFAULT_BASE_CURRENCY = 'CNY';
export const DEFAULT_CURRENCY_RATES = 'USD=7.1,EUR=7.7,HKD=0.91,JPY=0.047,GBP=9.0,SGD=5.3,KRW=0.0052';

/** The base currency and how many units of it one unit of each other currency buys. */
export interface CurrencyTable {
  baseCurrency: string;
  rates: Record<string, number>;
}

export const currencyTableSchema = z
  .object({
    baseCurrency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY'),
    rates: z.record(z.string().regex(/^[A-Z]{3}$/), z.number().positive()),
  })
  .refine((t) => t.rates[t.baseCurrency] === 1, {
    path: ['rates'],
    message: 'the base currency must convert at 1 (rates are in units of the base currency)',
  });

/** Parses `USD=7.1,EUR=7.7` into a rate table for `baseCurrency` (which always converts at 1). */
export function parseRates(baseCurrency: string, spec: string): CurrencyTable {
  const rates: Record<string, number> = { [baseCurrency]: 1 };
  for (const pair of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [code, rate] = pair.split('=');
    rates[(code ?? '').trim()] = Number(rate);
  }
  return currencyTableSchema.parse({ baseCurrency, rates });
}

/** The amount in the base currency, rounded to cents; undefined for an unknown currency. */
export function toBaseCurrency(table: CurrencyTable, amount: number, currency: string): number | undefined {
  const rate = table.rates[currency];
  return rate === undefined ? undefined : Math.round(amount * rate * 100) / 100;
}
