// Shared by the tests: one default-sized run per test file, and the placed orders per customer.
// INDEPENDENT_TEST_SEED=n runs the same checks on another seed.
import { DEFAULT_INDEPENDENT_OPTIONS, generateIndependentHistory, type IndependentHistory } from './index.ts';

export function testOptions(): typeof DEFAULT_INDEPENDENT_OPTIONS {
  const seed = process.env['INDEPENDENT_TEST_SEED'];
  return seed === undefined ? DEFAULT_INDEPENDENT_OPTIONS : { ...DEFAULT_INDEPENDENT_OPTIONS, seed: Number(seed) };
}

let cached: { history: IndependentHistory; ms: number } | undefined;

export function defaultRun(): { history: IndependentHistory; ms: number } {
  if (cached === undefined) {
    const t0 = performance.now();
    const history = generateIndependentHistory(testOptions());
    cached = { history, ms: performance.now() - t0 };
  }
  return cached;
}

/** Times of each customer's PLACED orders, ascending (records are sorted by time). */
export function placedTimes(history: IndependentHistory): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of history.records) {
    if (r.kind !== 'order' || r.value.kind !== 'PLACED') continue;
    const list = out.get(r.value.customerId) ?? [];
    list.push(r.value.eventTime);
    out.set(r.value.customerId, list);
  }
  return out;
}
