import { Document, isMap, parseDocument } from 'yaml';
import { fitGammaGamma, usableForGammaGamma, type GammaGammaParams, type MonetaryHistory } from '../value/gamma-gamma.ts';
import { indented, lineStart, rangeOf, replaceAligned } from './population.ts';
import { compileRules, RulesError, type CompiledRules } from './rules-file.ts';

// The Gamma-Gamma parameters of the `value` section fitted on the company's own customers: the pure
// part of `pnpm rules population`, which reads every stored customer and publishes the fit as a new
// rules version (DESIGN.md invariant 9).
//
// A customer's orders are those of the last 365 days, the engine's inputs of expected_order_value:
// the same window as the churn model's cadence, and today's prices and shipment sizes rather than
// those of years ago. Only customers with 2+ orders in it are fitted on: one order says nothing of
// how a customer's order values vary around their own mean, which is what p measures.

/** Fewer orders than this in 365 days, and a customer is left out of the fit. */
export const FIT_MIN_ORDERS = 2;

/** One customer's Gamma-Gamma inputs from the engine's features; undefined below FIT_MIN_ORDERS. */
export function orderValueHistory(features: Readonly<Record<string, number | undefined>>): MonetaryHistory | undefined {
  const x = features.orders_365d ?? 0;
  const value = features.order_value_365d ?? 0;
  if (x < FIT_MIN_ORDERS) return undefined;
  const h = { x, zbar: value / x };
  return usableForGammaGamma(h) ? h : undefined;
}

export interface OrderValueFit {
  params: GammaGammaParams;
  customers: number;
  logLikelihood: number;
  converged: boolean;
}

export type OrderValueFitResult = { fit: OrderValueFit } | { skipped: string; customers: number };

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** Fits p, q, γ when the rules have a value section and enough customers ordered twice; says why not otherwise. */
export function fitOrderValues(rules: CompiledRules, histories: readonly MonetaryHistory[]): OrderValueFitResult {
  const value = rules.file.value;
  if (value === undefined) return { skipped: 'the rules have no value section', customers: histories.length };
  if (histories.length < value.fit_min_customers) {
    return {
      skipped: `${histories.length} customers with ${FIT_MIN_ORDERS}+ orders in 365 days, fewer than value.fit_min_customers (${value.fit_min_customers}): gamma_gamma kept`,
      customers: histories.length,
    };
  }
  // From the parameters in force: the data's scale (the base currency) is far from the neutral start's.
  const fit = fitGammaGamma(histories, rules.value!.gammaGamma);
  if (!fit.converged || !(fit.params.q > 1)) {
    return {
      skipped: `the fit did not give a finite mean order value (q = ${fit.params.q.toFixed(4)}${fit.converged ? '' : ', not converged'}): gamma_gamma kept`,
      customers: fit.customers,
    };
  }
  // Rounded so the published file reads well; γ is money, p and q shapes.
  return {
    fit: {
      params: { p: round(fit.params.p, 4), q: round(fit.params.q, 4), gamma: round(fit.params.gamma, 2) },
      customers: fit.customers,
      logLikelihood: round(fit.logLikelihood, 2),
      converged: fit.converged,
    },
  };
}

/**
 * The rules text with `value.gamma_gamma` replaced by the fit and its provenance (`fitted.at`: the
 * event time of the state fitted on). Only that node's text changes; a comment after it stays.
 */
export function withOrderValueFit(text: string, fit: OrderValueFit, at: number, where = 'rules'): string {
  const doc = parseDocument(text);
  const node = doc.getIn(['value', 'gamma_gamma'], true);
  if (!isMap(node)) throw new RulesError(`${where} has no value.gamma_gamma mapping to write the fit into`);
  const fields = {
    ...fit.params,
    fitted: { at: new Date(at).toISOString(), customers: fit.customers, log_likelihood: fit.logLikelihood, orders: '365d' },
  };
  const rendered = new Document(fields);
  if (isMap(rendered.contents)) {
    rendered.contents.flow = node.flow ?? false;
    const fitted = rendered.contents.get('fitted', true);
    if (isMap(fitted)) fitted.flow = true;
  }
  const lines = rendered.toString({ flowCollectionPadding: true, lineWidth: 0 }).trimEnd().split('\n');
  const [start, end] = rangeOf(node, 'value.gamma_gamma');
  let edited: string;
  if (node.flow) {
    const e = replaceAligned(text, start, end, lines.join(' '));
    edited = text.slice(0, e.start) + e.text + text.slice(e.end);
  } else {
    // A block mapping runs to the end of its last line: its lines give way to the new ones, comments inside it go with the old values.
    const from = lineStart(text, start);
    const block = indented(lines, ' '.repeat(start - from));
    edited = text.slice(0, from) + (text[end - 1] === '\n' ? block : block.slice(0, -1)) + text.slice(end);
  }
  compileRules(edited, `${where} with the order value fit`);
  return edited;
}
