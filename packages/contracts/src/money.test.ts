import { describe, it, expect } from 'vitest';
import { parseRates, toBaseCurrency } from './money.ts';

describe('parseRates', () => {
  it('reads code=rate pairs and adds the base currency at rate 1', () => {
    expect(parseRates('CNY', 'USD=7.1,EUR=7.7')).toEqual({ baseCurrency: 'CNY', rates: { CNY: 1, USD: 7.1, EUR: 7.7 } });
  });

  it('tolerates spaces and empty entries', () => {
    expect(parseRates('CNY', ' USD = 7.1 ,, EUR=7.7, ').rates).toEqual({ CNY: 1, USD: 7.1, EUR: 7.7 });
  });

  it('gives a table of the base currency alone for an empty spec', () => {
    expect(parseRates('USD', '')).toEqual({ baseCurrency: 'USD', rates: { USD: 1 } });
  });

  it.each([
    ['garbage', 'a pair without a rate'],
    ['USD=abc', 'a rate that is not a number'],
    ['USD=0', 'a zero rate'],
    ['USD=-7.1', 'a negative rate'],
    ['usd=7.1', 'a lower-case code'],
    ['US=7.1', 'a two-letter code'],
    ['USD=7.1;EUR=7.7', 'the wrong separator'],
  ])('throws on %j (%s)', (spec) => {
    expect(() => parseRates('CNY', spec)).toThrow();
  });

  it('throws on a base currency that is not an ISO code', () => {
    expect(() => parseRates('yuan', 'USD=7.1')).toThrow();
  });

  it('keeps the base currency at 1: a spec that prices it otherwise is refused', () => {
    // E.g. BASE_CURRENCY=USD with rates written for CNY (USD=7.1) would inflate every USD order 7.1 times.
    expect(() => parseRates('USD', 'USD=7.1,EUR=1.08')).toThrow();
    expect(parseRates('USD', 'USD=1,EUR=1.08').rates).toEqual({ USD: 1, EUR: 1.08 });
  });
});

describe('toBaseCurrency', () => {
  const table = parseRates('CNY', 'USD=7.1,JPY=0.047,KRW=0.0052');

  it('converts at the table rate', () => {
    expect(toBaseCurrency(table, 100, 'USD')).toBe(710);
  });

  it('rounds to whole cents, half up', () => {
    expect(toBaseCurrency(table, 333, 'JPY')).toBe(15.65); // 15.651
    expect(toBaseCurrency(table, 333.5, 'JPY')).toBe(15.67); // 15.6745
    expect(toBaseCurrency(table, 1, 'KRW')).toBe(0.01); // 0.0052
    expect(toBaseCurrency(table, 0.5, 'KRW')).toBe(0); // 0.0026
  });

  it('leaves amounts in the base currency as they are', () => {
    expect(toBaseCurrency(table, 1234.56, 'CNY')).toBe(1234.56);
    expect(toBaseCurrency(table, 0, 'CNY')).toBe(0);
  });

  it('is undefined for a currency the table does not know', () => {
    expect(toBaseCurrency(table, 100, 'BRL')).toBeUndefined();
  });
});
