// How well predicted customer value (expected_orders_12m, expected_order_value) matched what the
// customers then did: totals predicted against actual (is the model biased?) and the rank
// correlation of value (does it order customers as they turned out?). Pure.

export interface ValueOutcome {
  /** expected_orders_12m at the cut-off. */
  expectedOrders: number;
  /** expected_orders_12m × expected_order_value: the undiscounted prediction. */
  expectedValue: number;
  /** Orders placed, and their value, in the 12 months after the cut-off. */
  actualOrders: number;
  actualValue: number;
}

export interface ValuePredictionScore {
  customers: number;
  /** Σ predicted / Σ actual: 1 is unbiased in total. */
  ordersRatio: number;
  valueRatio: number;
  /** Spearman's rank correlation of predicted and actual value (ties ranked by their mean rank). */
  rankCorrelation: number;
  /** Mean predicted and actual value per fifth of the customers by predicted value, lowest first. */
  quintiles: Array<{ predicted: number; actual: number }>;
}

/** Ranks 1…n, tied values sharing the mean of their ranks. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]![0] === order[start]![0]) end += 1;
    for (let k = start; k <= end; k += 1) ranks[order[k]![1]] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return ranks;
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const mean = (x: readonly number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const ma = mean(a);
  const mb = mean(b);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i += 1) {
    num += (a[i]! - ma) * (b[i]! - mb);
    da += (a[i]! - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

export function scoreValuePredictions(outcomes: readonly ValueOutcome[]): ValuePredictionScore {
  if (outcomes.length === 0) throw new RangeError('no customers to score');
  const sum = (f: (o: ValueOutcome) => number) => outcomes.reduce((s, o) => s + f(o), 0);
  const byPrediction = [...outcomes].sort((a, b) => a.expectedValue - b.expectedValue);
  const quintiles = [0, 1, 2, 3, 4].map((q) => {
    const group = byPrediction.slice(Math.floor((q * byPrediction.length) / 5), Math.floor(((q + 1) * byPrediction.length) / 5));
    const mean = (f: (o: ValueOutcome) => number) => (group.length === 0 ? 0 : group.reduce((s, o) => s + f(o), 0) / group.length);
    return { predicted: mean((o) => o.expectedValue), actual: mean((o) => o.actualValue) };
  });
  return {
    customers: outcomes.length,
    ordersRatio: sum((o) => o.expectedOrders) / sum((o) => o.actualOrders),
    valueRatio: sum((o) => o.expectedValue) / sum((o) => o.actualValue),
    rankCorrelation: pearson(averageRanks(outcomes.map((o) => o.expectedValue)), averageRanks(outcomes.map((o) => o.actualValue))),
    quintiles,
  };
}
