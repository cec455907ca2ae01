import { Document, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { compileRules, populationScope, RulesError, type CompiledRules, type PopulationScope, type RulesFile } from './rules-file.ts';

// Population-relative thresholds (DESIGN.md invariant 9): the pure part of the batch command that
// reads every customer's stored features and publishes the result as a new rules version. The
// engine reads only the published numbers, so evaluating one customer never depends on the others.

export interface PopulationCustomer {
  /** The industry as `profileAttributes` gives it (MANUFACTURING, RETAIL, E_COMMERCE, OTHER); undefined without a profile. */
  industry: string | undefined;
  /** The values the engine computes (`featureValues`): `days_since_last_order` is absent without an order. */
  features: Readonly<Record<string, number>>;
}

export type RfmCutPoints = RulesFile['rfm'];

/** What the command prints: who the thresholds were computed from. */
export interface PopulationCounts {
  /** Customers read. */
  customers: number;
  /** Customers outside the population: no order, or none in the last `active_days` days. */
  skipped: number;
  /** Members of the population by industry; those below `min_customers` keep the default parameters. */
  byIndustry: Record<string, number>;
  /** Members with no industry (no profile yet): counted in the rfm quintiles, in no industry. */
  withoutIndustry: number;
}

export interface PopulationThresholds {
  /** Where the shares were counted (`population.scope`). */
  scope: PopulationScope;
  /** New rfm cut points; undefined when `rfm_quintiles` is off or the population is smaller than `min_customers`. */
  rfm: RfmCutPoints | undefined;
  /** Scope `all`: the new defaults of the configured parameters (those under `parameters`); empty
   *  within industries, or where the population is smaller than `min_customers`. */
  parameters: Record<string, number>;
  /** The whole new `industry_parameters` section. */
  industryParameters: Record<string, Record<string, number>>;
  counts: PopulationCounts;
}

/** The feature each rfm score is read from (engine.ts). */
const RFM_FEATURES = {
  recency_days: 'days_since_last_order',
  frequency_orders_365d: 'orders_365d',
  monetary_value_365d: 'order_value_365d',
} as const satisfies Record<keyof RfmCutPoints, string>;
type RfmKey = keyof typeof RFM_FEATURES;
const RFM_KEYS = Object.keys(RFM_FEATURES) as RfmKey[];
const QUINTILES = [0.2, 0.4, 0.6, 0.8] as const;

/** Money in the base currency: its thresholds are whole units, like the ones written by hand. */
const isMoney = (feature: string): boolean =>
  feature.startsWith('order_value_') || ['lifetime_value', 'avg_order_value', 'expected_order_value', 'clv_12m'].includes(feature);

/**
 * The p-quantile of ascending values by linear interpolation between order statistics (Hyndman
 * and Fan's type 7, the default of R and NumPy): with x[0] ≤ … ≤ x[n−1] and h = (n − 1)·p,
 * Q(p) = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). Q(0) is the minimum, Q(1) the maximum, and Q
 * never falls as p rises: a lower quantile of the same values is never a higher threshold.
 */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('no values to take a quantile of');
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const below = sorted[lo] as number;
  return below + (h - lo) * ((sorted[Math.min(lo + 1, n - 1)] as number) - below);
}

/**
 * Cut points at the 20/40/60/80% quantiles. The engine puts a value below a cut in the score on one
 * side and a value at or above it on the other (below the first recency cut: 5, the most recent
 * fifth; below the first frequency or money cut: 1), so each cut is where a fifth of the
 * population ends. Days and order counts are whole numbers, and for a whole number x, x < Q exactly
 * when x < ⌈Q⌉: their cuts are ⌈Q⌉, a rounding that moves no customer. Money is rounded to whole units.
 * Ties (many customers with one order, or a fifth who ordered today) make quantiles equal, but the
 * cut points must increase: each is at least the previous + 1, and the first above the smallest
 * value, so the first score is never empty; the fifths then differ in size and the last ones may be empty.
 */
function quintileCuts(sorted: Float64Array, round: (q: number) => number): [number, number, number, number] {
  let previous = Math.floor(sorted[0] as number);
  const [a, b, c, d] = QUINTILES.map((p) => (previous = Math.max(round(quantile(sorted, p)), previous + 1)));
  return [a as number, b as number, c as number, d as number];
}

/** A parameter's value: money in whole units, anything else to the 4 decimals features carry. Both keep the order of quantiles. */
const thresholdOf = (feature: string, q: number): number => (isMoney(feature) ? Math.round(q) : Math.round(q * 1e4) / 1e4);

const ascending = (values: readonly number[]): Float64Array => Float64Array.from(values).sort();
const byName = <T>([a]: [string, T], [b]: [string, T]): number => (a < b ? -1 : a > b ? 1 : 0);

function pushValue(into: number[], value: number | undefined): void {
  if (value !== undefined && Number.isFinite(value)) into.push(value);
}

/** The rfm cut points and per-industry parameters of the rules' `population` section, from every customer. */
export function populationThresholds(rules: CompiledRules, customers: Iterable<PopulationCustomer>): PopulationThresholds {
  const settings = rules.file.population;
  if (settings === undefined) throw new RulesError('the rules have no population section: there are no population thresholds to compute');
  const parameters = Object.entries(settings.parameters);
  const features = [...new Set(parameters.map(([, p]) => p.feature))];
  const rfmValues: Record<RfmKey, number[]> = { recency_days: [], frequency_orders_365d: [], monetary_value_365d: [] };
  const industries = new Map<string, { members: number; values: Map<string, number[]> }>();
  const scope = populationScope(settings);
  // Scope all: one population of every member, industry or none.
  const everyone = new Map<string, number[]>(features.map((f) => [f, []]));
  let read = 0;
  let skipped = 0;
  let withoutIndustry = 0;
  for (const customer of customers) {
    read += 1;
    const days = customer.features.days_since_last_order;
    if (days === undefined || !(days < settings.active_days)) {
      skipped += 1;
      continue;
    }
    if (settings.rfm_quintiles) for (const key of RFM_KEYS) pushValue(rfmValues[key], customer.features[RFM_FEATURES[key]]);
    if (scope === 'all') for (const [feature, values] of everyone) pushValue(values, customer.features[feature]);
    // An empty industry is none, as in the engine: no industry parameters apply to it.
    if (!customer.industry) {
      withoutIndustry += 1;
      continue;
    }
    let industry = industries.get(customer.industry);
    if (industry === undefined)
      industries.set(customer.industry, (industry = { members: 0, values: new Map(features.map((f) => [f, []])) }));
    industry.members += 1;
    for (const [feature, values] of industry.values) pushValue(values, customer.features[feature]);
  }

  const rfm =
    settings.rfm_quintiles && RFM_KEYS.every((k) => rfmValues[k].length >= settings.min_customers)
      ? {
          recency_days: quintileCuts(ascending(rfmValues.recency_days), Math.ceil),
          frequency_orders_365d: quintileCuts(ascending(rfmValues.frequency_orders_365d), Math.ceil),
          monetary_value_365d: quintileCuts(ascending(rfmValues.monetary_value_365d), Math.round),
        }
      : undefined;

  // Overrides written by hand, of parameters the population does not set, are kept; the ones it
  // sets are replaced, or dropped where the industry is now too small (it keeps the defaults).
  const configured = new Set(parameters.map(([p]) => p));
  const industryParameters = new Map<string, Record<string, number>>();
  for (const [industry, values] of Object.entries(rules.file.industry_parameters)) {
    const kept = Object.entries(values).filter(([p]) => !configured.has(p));
    if (kept.length > 0) industryParameters.set(industry, Object.fromEntries(kept));
  }
  const computedFrom = (values: Map<string, number[]>): Record<string, number> => {
    const sorted = new Map([...values].map(([f, v]) => [f, ascending(v)]));
    const computed: Record<string, number> = {};
    for (const [parameter, { feature, quantile: p }] of parameters) {
      // Too few members keep the default; so do too few with the feature (members without it,
      // with no rated delivery say, are not in its quantile).
      const among = sorted.get(feature);
      if (among !== undefined && among.length >= settings.min_customers) computed[parameter] = thresholdOf(feature, quantile(among, p));
    }
    return computed;
  };
  // Across the whole base the defaults themselves move, and no industry keeps an override of them.
  const defaults = scope === 'all' ? computedFrom(everyone) : {};
  if (scope === 'industry') {
    for (const [industry, { values }] of industries) {
      const computed = computedFrom(values);
      if (Object.keys(computed).length > 0) industryParameters.set(industry, { ...industryParameters.get(industry), ...computed });
    }
  }

  return {
    scope,
    rfm,
    parameters: defaults,
    industryParameters: Object.fromEntries([...industryParameters].sort(byName)),
    counts: {
      customers: read,
      skipped,
      byIndustry: Object.fromEntries([...industries].map(([i, { members }]): [string, number] => [i, members]).sort(byName)),
      withoutIndustry,
    },
  };
}

/** A replacement of [start, end) of the rules text: edits keep everything else, comments included. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * The rules file text with the rfm cut points and `industry_parameters` replaced by `thresholds`.
 * Only those values' text changes (located through the YAML document's node ranges): re-printing
 * the whole document would move every end-of-line comment and restyle every flow mapping. Throws
 * a RulesError when the input or the result is not valid rules.
 */
export function withPopulationThresholds(
  text: string,
  thresholds: Pick<PopulationThresholds, 'rfm' | 'industryParameters'> & Partial<Pick<PopulationThresholds, 'parameters'>>,
  where = 'rules',
): string {
  compileRules(text, where);
  const doc = parseDocument(text);
  const edits: Edit[] = [];
  for (const [parameter, value] of Object.entries(thresholds.parameters ?? {}))
    edits.push(parameterEdit(text, doc.getIn(['parameters', parameter], true), value, `parameters.${parameter}`));
  if (thresholds.rfm)
    for (const key of RFM_KEYS) edits.push(...cutPointEdits(text, doc.getIn(['rfm', key], true), thresholds.rfm[key], `rfm.${key}`));
  edits.push(...industryParameterEdits(text, doc, thresholds.industryParameters));
  let edited = text;
  let before = Number.POSITIVE_INFINITY;
  for (const e of edits.sort((a, b) => b.start - a.start)) {
    if (e.end > before) throw new Error('overlapping edits of the rules text');
    edited = edited.slice(0, e.start) + e.text + edited.slice(e.end);
    before = e.start;
  }
  compileRules(edited, `${where} with population thresholds`);
  return edited;
}

/** A default under `parameters` set to a value of the whole population (scope all), its comment kept in its column. */
function parameterEdit(source: string, node: unknown, value: number, field: string): Edit {
  if (!isScalar(node) || typeof node.value !== 'number')
    throw new RulesError(`${field} is not written as a number: write it so, or edit it by hand`);
  const [start, end] = rangeOf(node, field);
  return replaceAligned(source, start, end, String(value));
}

function cutPointEdits(source: string, node: unknown, cuts: readonly number[], field: string): Edit[] {
  if (!isSeq(node) || node.items.length !== cuts.length || !node.items.every((i) => isScalar(i) && i.range)) {
    throw new RulesError(`${field} is not written as a list of ${cuts.length} numbers: write it so, or edit it by hand`);
  }
  if (node.flow) {
    const [start, end] = rangeOf(node, field);
    const pad = source[start + 1] === ' ' ? ' ' : '';
    return [replaceAligned(source, start, end, `[${pad}${cuts.join(', ')}${pad}]`)];
  }
  return node.items.map((item, i) => {
    const [start, end] = rangeOf(item as Node, field);
    return replaceAligned(source, start, end, String(cuts[i]));
  });
}

function industryParameterEdits(source: string, doc: Document, values: Record<string, Record<string, number>>): Edit[] {
  const lines = renderIndustries(values);
  const top = doc.contents;
  if (!isMap(top)) throw new RulesError('the rules are not a mapping');
  const pairOf = (key: string) => top.items.find((p) => isScalar(p.key) && p.key.value === key);
  const pair = pairOf('industry_parameters');
  if (pair === undefined) {
    if (lines.length === 0) return [];
    const rfm = pairOf('rfm');
    const at = lineStart(source, rfm ? rangeOf(rfm.key as Node, 'rfm')[0] : source.length);
    return [{ start: at, end: at, text: `industry_parameters:\n${indented(lines, '  ')}` }];
  }
  const key = rangeOf(pair.key as Node, 'industry_parameters');
  const node = pair.value;
  if (!isMap(node)) throw new RulesError('industry_parameters is not written as a mapping: write it so, or edit it by hand');
  const [start, end] = rangeOf(node, 'industry_parameters');
  if (!node.flow) {
    // A block mapping runs to the end of its last line (newline included): it becomes the new lines.
    const from = lineStart(source, start);
    const block = indented(lines, ' '.repeat(start - from));
    if (lines.length > 0) return [{ start: from, end, text: source[end - 1] === '\n' ? block : block.slice(0, -1) }];
    const colon = source.indexOf(':', key[1]) + 1;
    return [{ start: from, end, text: '' }, replaceAligned(source, colon, colon, ' {}')];
  }
  if (lines.length === 0) return [replaceAligned(source, start, end, '{}')];
  // A flow mapping on the key's line gives way to lines under the key; its comment stays on the key's line.
  const eol = source.indexOf('\n', end);
  const next = eol < 0 ? source.length : eol + 1;
  const block = `${eol < 0 ? '\n' : ''}${indented(lines, ' '.repeat(key[0] - lineStart(source, key[0]) + 2))}`;
  const rest = source.slice(end, eol < 0 ? source.length : eol);
  const removal =
    rest.trim() === ''
      ? { start: source.lastIndexOf(':', start) + 1, end: end + rest.length, text: '' }
      : replaceAligned(source, start, end, '');
  return [removal, { start: next, end: next, text: block }];
}

/** One line per industry, each a flow mapping of its parameters, as the rest of the file writes small mappings. */
function renderIndustries(values: Record<string, Record<string, number>>): string[] {
  if (Object.keys(values).length === 0) return [];
  const doc = new Document(values);
  if (isMap(doc.contents)) for (const pair of doc.contents.items) if (isMap(pair.value)) pair.value.flow = true;
  return doc.toString({ flowCollectionPadding: true, lineWidth: 0 }).trimEnd().split('\n');
}

export const indented = (lines: readonly string[], indent: string): string => lines.map((l) => `${indent}${l}\n`).join('');
export const lineStart = (source: string, at: number): number => source.lastIndexOf('\n', at - 1) + 1;

export function rangeOf(node: Node, field: string): [number, number] {
  if (!node.range) throw new Error(`${field} has no position in the rules text`);
  return [node.range[0], node.range[1]];
}

/**
 * Replaces [start, end) with `text`, keeping an end-of-line comment after it in its column (the
 * file aligns them), with at least one space before it.
 */
export function replaceAligned(source: string, start: number, end: number, text: string): Edit {
  const gap = /[ \t]*/y;
  gap.lastIndex = end;
  const spaces = gap.exec(source)?.[0].length ?? 0;
  if (spaces === 0 || source[end + spaces] !== '#') return { start, end, text };
  const width = Math.max(1, spaces - (text.length - (end - start)));
  return { start, end: end + spaces, text: text + ' '.repeat(width) };
}
