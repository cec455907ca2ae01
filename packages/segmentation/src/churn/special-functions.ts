// The two special functions the BG/NBD model needs, written out here so the churn model has no
// numeric dependency: the log of the gamma function (every likelihood term is a ratio of gammas,
// which overflow long before their ratio does) and the Gaussian hypergeometric function 2F1
// (the conditional expectation of future purchases).

// Lanczos approximation with g = 7 and nine coefficients (Godfrey's set, the one Numerical Recipes
// and most libraries quote). Its relative error is about 1e-15 for positive arguments.
const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * ln Γ(x) for x > 0; NaN otherwise (the model only ever needs positive arguments, and NaN lets an
 * optimiser treat an impossible parameter as the worst possible value instead of crashing).
 */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return x;
  // Below 1/2 the series loses accuracy; the reflection Γ(x)Γ(1−x) = π / sin(πx) moves the argument
  // above it. It also keeps tiny shape parameters (r → 0 during a fit) exact: ln Γ(x) ≈ −ln x.
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let series = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i += 1) series += (LANCZOS_COEFFICIENTS[i] as number) / (y + i);
  const t = y + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (y + 0.5) * Math.log(t) - t + Math.log(series);
}

/** Relative size of the estimated remainder at which the 2F1 series stops. */
const SERIES_TOLERANCE = 1e-15;
/**
 * Terms before the 2F1 series gives up. Terms shrink roughly like z^j, so this covers z up to about
 * 1 − 3e-5; beyond that the caller is asking for something the plain series cannot give.
 */
const SERIES_MAX_TERMS = 1_000_000;

/**
 * The Gaussian hypergeometric function 2F1(a, b; c; z) = Σ_j (a)_j (b)_j / ((c)_j j!) z^j for |z| < 1.
 */
export function hypergeometric2F1(a: number, b: number, c: number, z: number): number {
  return 1 + hypergeometric2F1MinusOne(a, b, c, z);
}

/**
 * 2F1(a, b; c; z) − 1, summed without the leading 1 so it keeps its relative accuracy when it is
 * tiny: the BG/NBD expectation divides such a difference by (a − 1), which may be close to zero.
 *
 * Summed term by term: each term is the previous one times (a+j)(b+j) z / ((c+j)(j+1)), as in the
 * Fader–Hardie–Lee Excel note. Once a+k, b+k and c+k are positive for every later k, the factors
 * (a+k)/(c+k) and (b+k)/(k+1) move monotonically towards 1, so |z| times the larger of each and 1
 * bounds every later term ratio; with that bound below 1 the remainder is at most a geometric series,
 * and the sum stops when that series is below 1e-15 of it. It throws rather than return a truncated
 * value when that does not happen within a million terms.
 */
export function hypergeometric2F1MinusOne(a: number, b: number, c: number, z: number): number {
  if (!(Math.abs(z) < 1)) throw new RangeError(`2F1 series needs |z| < 1, got z = ${z}`);
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`2F1 is undefined for c = ${c} (a non-positive integer)`);
  const monotoneFrom = Math.max(-a, -b, -c);
  let term = 1;
  let sum = 0;
  for (let j = 0; j < SERIES_MAX_TERMS; j += 1) {
    term *= ((a + j) * (b + j) * z) / ((c + j) * (j + 1));
    sum += term;
    // A non-positive integer a or b ends the series: 2F1 is then a polynomial.
    if (term === 0) return sum;
    if (j + 1 <= monotoneFrom) continue;
    const ratioBound = Math.abs(z) * Math.max(1, (a + j + 1) / (c + j + 1)) * Math.max(1, (b + j + 1) / (j + 2));
    if (ratioBound < 1 && (Math.abs(term) * ratioBound) / (1 - ratioBound) <= SERIES_TOLERANCE * Math.abs(sum)) return sum;
  }
  throw new RangeError(`2F1(${a}, ${b}; ${c}; ${z}) did not converge in ${SERIES_MAX_TERMS} terms`);
}
