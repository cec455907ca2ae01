import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MonetaryHistory } from '../value/gamma-gamma.ts';
import { compileRules } from './rules-file.ts';
import { REPOSITORY_RULES_FILE } from './rules-fixtures.ts';
import { fitOrderValues, orderValueHistory, withOrderValueFit, type OrderValueFit } from './value-fit.ts';

const RULES = readFileSync(REPOSITORY_RULES_FILE, 'utf8');
const rules = compileRules(RULES, 'rules.yaml');
const AT = Date.UTC(2026, 11, 1);

/** Customers drawn from a known Gamma-Gamma population (seeded): x orders of value ~ Gamma(p, ν), ν ~ Gamma(q, γ). */
function customerBase(truth: { p: number; q: number; gamma: number }, count: number): MonetaryHistory[] {
  let a = 2026 >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 2 ** 32;
  };
  const gammaInt = (k: number) => {
    let s = 0;
    for (let i = 0; i < k; i++) s -= Math.log(next());
    return s;
  };
  return Array.from({ length: count }, () => {
    const nu = gammaInt(truth.q) / truth.gamma;
    const x = 2 + Math.floor(next() * 10);
    let total = 0;
    for (let i = 0; i < x; i++) total += gammaInt(truth.p) / nu;
    return { x, zbar: total / x };
  });
}

describe('the Gamma-Gamma fit of `pnpm rules population`', () => {
  it("reads a customer's orders of the last 365 days and their mean value, from 2 orders on", () => {
    expect(orderValueHistory({ orders_365d: 4, order_value_365d: 10_000 })).toEqual({ x: 4, zbar: 2500 });
    expect(orderValueHistory({ orders_365d: 1, order_value_365d: 10_000 })).toBeUndefined();
    expect(orderValueHistory({ orders_365d: 3, order_value_365d: 0 })).toBeUndefined();
    expect(orderValueHistory({ lifetime_orders: 9 })).toBeUndefined();
  });

  it('recovers the parameters of a known customer base in the base currency (mean order value 3,000 CNY)', () => {
    const truth = { p: 3, q: 4, gamma: 3000 };
    const result = fitOrderValues(rules, customerBase(truth, 10_000));
    if (!('fit' in result)) throw new Error(`expected a fit, got: ${result.skipped}`);
    expect(result.fit.customers).toBe(10_000);
    expect(result.fit.converged).toBe(true);
    // Each within 5 % on 10,000 customers, and the population mean γp/(q − 1), which the data pin down best, within 4 %.
    for (const k of ['p', 'q', 'gamma'] as const) expect(Math.abs(result.fit.params[k] / truth[k] - 1), k).toBeLessThan(0.05);
    const mean = (g: typeof truth) => (g.gamma * g.p) / (g.q - 1);
    expect(Math.abs(mean(result.fit.params) / mean(truth) - 1)).toBeLessThan(0.04);
    expect(result.fit.logLikelihood).toBeLessThan(0);
    // A fit over 10,000 customers: about 2 s on an idle core, several times that on a busy machine.
  }, 30_000);

  it('keeps the parameters when too few customers ordered twice, or when the rules have no value section', () => {
    const few = fitOrderValues(rules, customerBase({ p: 3, q: 4, gamma: 3000 }, 99));
    expect(few).toEqual({ skipped: expect.stringContaining('fewer than value.fit_min_customers (100)') as unknown, customers: 99 });
    expect(fitOrderValues({ ...rules, file: { ...rules.file, value: undefined } }, [])).toEqual({
      skipped: 'the rules have no value section',
      customers: 0,
    });
  });
});

describe('the fit written into the rules', () => {
  const fit: OrderValueFit = { params: { p: 3.1234, q: 2.5, gamma: 812.5 }, customers: 812, logLikelihood: -7012.31, converged: true };

  it('replaces value.gamma_gamma only, keeping its comment, with where the fit came from', () => {
    const text = withOrderValueFit(RULES, fit, AT);
    const compiled = compileRules(text);
    expect(compiled.value?.gammaGamma).toEqual(fit.params);
    expect(compiled.file.value?.gamma_gamma.fitted).toEqual({
      at: '2026-12-01T00:00:00.000Z',
      customers: 812,
      log_likelihood: -7012.31,
      orders: '365d',
    });
    const changed = (a: string, b: string) => a.split('\n').filter((line, i) => line !== b.split('\n')[i]);
    expect(changed(text, RULES)).toEqual([
      expect.stringMatching(/^ {2}gamma_gamma: \{ p: 3\.1234, q: 2\.5, gamma: 812\.5, fitted: \{ .* \} \} +# documented prior/),
    ]);
    expect(compileRules(text).version).not.toBe(rules.version);
  });

  it('rewrites a block mapping as a block, and refits over an earlier fit', () => {
    const block = RULES.replace(
      / {2}gamma_gamma: \{[^}]*\}[^\n]*\n/,
      '  gamma_gamma:\n    p: 2.52   # shape\n    q: 2.04\n    gamma: 536\n',
    );
    const text = withOrderValueFit(block, fit, AT);
    expect(text).toContain('  gamma_gamma:\n    p: 3.1234\n    q: 2.5\n    gamma: 812.5\n    fitted: {');
    const again = withOrderValueFit(text, { ...fit, params: { p: 2, q: 3, gamma: 100 } }, AT);
    expect(compileRules(again).value?.gammaGamma).toEqual({ p: 2, q: 3, gamma: 100 });
    expect(again.match(/fitted:/g)).toHaveLength(1);
  });
});
