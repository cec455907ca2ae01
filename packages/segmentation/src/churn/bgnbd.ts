import { hypergeometric2F1MinusOne, logGamma } from './special-functions.ts';

// The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005, "Counting your customers the easy
// way"): while a customer is active, repeat purchases arrive as a Poisson process with rate λ; after
// each repeat purchase the customer drops out for good with probability p. Across customers λ is
// gamma(r, α) and p is beta(a, b). From three numbers per customer (how many repeat purchases, when
// the last one was, how long we have watched) it gives the chance the customer is still active and
// how many purchases to expect next: the basis of a churn-risk segment.
//
// Time has no fixed unit: λ is per unit of whatever the caller measures t_x and T in (weeks for
// CDNOW), α is in that unit too, and forecasts come back in it. Fit and predict in the same unit.

export interface BgNbdParams {
  /** Shape of the gamma distribution of purchase rates across customers. */
  r: number;
  /** Scale of the same gamma, in the caller's time unit: the mean rate is r / α purchases per unit. */
  alpha: number;
  /** Beta shape parameters of the drop-out probability after a purchase: its mean is a / (a + b). */
  a: number;
  b: number;
}

/**
 * One customer's history, counted from the first purchase (time 0), which is not itself counted:
 * the model is about repeat buying.
 */
export interface RepeatHistory {
  /** Repeat purchases observed in (0, T]. */
  x: number;
  /** Time of the last repeat purchase (0 when there is none), in the caller's time unit. */
  tx: number;
  /** Time from the first purchase to the end of observation ("now"), in the same unit. */
  T: number;
}

function checkParams(params: BgNbdParams): void {
  const { r, alpha, a, b } = params;
  for (const [name, value] of [
    ['r', r],
    ['alpha', alpha],
    ['a', a],
    ['b', b],
  ] as const) {
    if (!(value > 0 && Number.isFinite(value))) throw new RangeError(`BG/NBD parameter ${name} must be positive and finite, got ${value}`);
  }
}

/** Throws on a history the model cannot describe: bad data must not become a silent wrong score. */
export function checkRepeatHistory(history: RepeatHistory): void {
  const { x, tx, T } = history;
  if (!(Number.isInteger(x) && x >= 0)) throw new RangeError(`repeat purchases x must be a non-negative integer, got ${x}`);
  if (!(Number.isFinite(T) && T >= 0)) throw new RangeError(`observed time T must be finite and non-negative, got ${T}`);
  if (!(tx >= 0 && tx <= T)) throw new RangeError(`last purchase time t_x must lie in [0, T], got t_x = ${tx}, T = ${T}`);
  if (x === 0 && tx !== 0) throw new RangeError(`t_x must be 0 for a customer with no repeat purchase, got ${tx}`);
}

/**
 * The parts of the log-likelihood that depend on x but not on the timing: ln A1 + ln A2 of eq. 6,
 * and ln(a / (b + x − 1)), the weight of "dropped out right after the last purchase". Customers
 * share x often (CDNOW: 2,357 customers, 23 distinct x), so the total computes these once per x.
 */
interface CountTerms {
  countPart: number;
  dropoutWeight: number;
}

function countTerms(params: BgNbdParams, x: number): CountTerms {
  const { r, alpha, a, b } = params;
  const countPart =
    logGamma(r + x) - logGamma(r) + r * Math.log(alpha) + logGamma(a + b) + logGamma(b + x) - logGamma(b) - logGamma(a + b + x);
  return { countPart, dropoutWeight: x > 0 ? Math.log(a) - Math.log(b + x - 1) : Number.NEGATIVE_INFINITY };
}

/**
 * ln of A4 / A3 in eq. 6: the odds that the customer dropped out right after the last repeat
 * purchase against being still active at T, before weighting by how well each explains the silence.
 */
function logOddsDroppedOut(params: BgNbdParams, history: RepeatHistory, dropoutWeight: number): number {
  const shape = params.r + history.x;
  return dropoutWeight + shape * (Math.log(params.alpha + history.T) - Math.log(params.alpha + history.tx));
}

function logLikelihoodWith(params: BgNbdParams, history: RepeatHistory, terms: CountTerms): number {
  // ln A3: still active at T, so no purchase in (t_x, T].
  const stillActive = -(params.r + history.x) * Math.log(params.alpha + history.T);
  // With no repeat purchase there was nothing to drop out after: A4 is absent (δ_{x>0} = 0).
  if (history.x === 0) return terms.countPart + stillActive;
  // ln(A3 + A4) = ln A3 + ln(1 + A4/A3), so neither power (α + T)^−(r+x) underflows for heavy buyers.
  const odds = logOddsDroppedOut(params, history, terms.dropoutWeight);
  const logOnePlus = odds > 0 ? odds + Math.log1p(Math.exp(-odds)) : Math.log1p(Math.exp(odds));
  return terms.countPart + stillActive + logOnePlus;
}

/** ln L(r, α, a, b | x, t_x, T) for one customer (eq. 6 of the paper, in logs). */
export function logLikelihood(params: BgNbdParams, history: RepeatHistory): number {
  checkParams(params);
  checkRepeatHistory(history);
  return logLikelihoodWith(params, history, countTerms(params, history.x));
}

/** The sum of the customers' log-likelihoods: what a fit maximises. */
export function totalLogLikelihood(params: BgNbdParams, histories: readonly RepeatHistory[]): number {
  checkParams(params);
  const byCount = new Map<number, CountTerms>();
  let total = 0;
  for (const history of histories) {
    checkRepeatHistory(history);
    let terms = byCount.get(history.x);
    if (terms === undefined) {
      terms = countTerms(params, history.x);
      byCount.set(history.x, terms);
    }
    total += logLikelihoodWith(params, history, terms);
  }
  return total;
}

/**
 * P(active at T | x, t_x, T) (eq. 13). A customer with no repeat purchase counts as certainly active:
 * in the BG/NBD a customer can only drop out right after a repeat purchase. That is a known blind
 * spot of the model (one-time buyers never look lost), not a rounding: treat their score with care.
 */
export function probabilityAlive(params: BgNbdParams, history: RepeatHistory): number {
  checkParams(params);
  checkRepeatHistory(history);
  if (history.x === 0) return 1;
  const odds = logOddsDroppedOut(params, history, countTerms(params, history.x).dropoutWeight);
  // 1 / (1 + e^odds); for a long-silent heavy buyer e^odds overflows to Infinity and this is 0.
  return 1 / (1 + Math.exp(odds));
}

/** Nudge for the two removable singularities of eq. 10 (see below). */
const SINGULAR_NUDGE = 1e-9;

/**
 * Expected purchases in (T, T + t] of a customer who is active at T, with x repeat purchases seen so
 * far: the second factor of eq. 10,
 *   (a + b + x − 1)/(a − 1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z)],  z = t/(α+T+t).
 * Euler's transformation 2F1(A, B; C; z) = (1−z)^(C−A−B) 2F1(C−A, C−B; C; z) turns the bracket into
 *   1 − (1−z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z),
 * whose upper parameters no longer grow with x, so heavy buyers do not send the series through huge
 * terms. Written as −expm1(u) − e^u (2F1 − 1) with u = (a−1) ln(1−z), both parts are of order a − 1,
 * and the division by a − 1 keeps full precision however close a is to 1. At a = 1 exactly both are
 * zero (the formula is 0/0); the expectation is smooth in a there, so it is taken at a = 1 + 1e-9.
 * Likewise c = a + b + x − 1 is 0 when x = 0 and a + b = 1, where 2F1(…; c; z) is undefined but
 * c · 2F1 is smooth: b is nudged by 1e-9.
 */
function purchasesWhileActive(params: BgNbdParams, x: number, T: number, t: number): number {
  const { r, alpha } = params;
  const a = Math.abs(params.a - 1) < SINGULAR_NUDGE ? 1 + SINGULAR_NUDGE : params.a;
  const b = Math.abs(a + params.b + x - 1) < SINGULAR_NUDGE ? params.b + SINGULAR_NUDGE : params.b;
  const logSurvivor = Math.log(alpha + T) - Math.log(alpha + T + t); // ln(1 − z), without forming 1 − z
  const z = t / (alpha + T + t);
  const c = a + b + x - 1;
  const u = (a - 1) * logSurvivor;
  const bracket = -Math.expm1(u) - Math.exp(u) * hypergeometric2F1MinusOne(a + b - 1 - r, a - 1, c, z);
  return (c / (a - 1)) * bracket;
}

function checkHorizon(t: number): void {
  if (!(Number.isFinite(t) && t >= 0)) throw new RangeError(`forecast horizon t must be finite and non-negative, got ${t}`);
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in the next t time units (T, T + t] of a customer with this
 * history (eq. 10): the chance they are still active times what an active one would buy. Throws a
 * RangeError for absurd horizons (from some 10⁴–10⁵ × (α + T), i.e. millions of weeks for CDNOW),
 * where the 2F1 series cannot be summed in a million terms.
 */
export function expectedPurchases(params: BgNbdParams, history: RepeatHistory, t: number): number {
  checkHorizon(t);
  const active = probabilityAlive(params, history);
  if (t === 0 || active === 0) return 0;
  return active * purchasesWhileActive(params, history.x, history.T, t);
}

/**
 * E[X(t)] (eq. 7): expected repeat purchases in the first t time units after a new customer's first
 * purchase. It is eq. 10 for a customer seen for no time at all (x = 0, T = 0), so it shares the code.
 */
export function expectedRepeatPurchases(params: BgNbdParams, t: number): number {
  checkParams(params);
  checkHorizon(t);
  return t === 0 ? 0 : purchasesWhileActive(params, 0, 0, t);
}
