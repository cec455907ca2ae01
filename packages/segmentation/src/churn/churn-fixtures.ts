import { readFileSync } from 'node:fs';
import type { RepeatHistory } from './bgnbd.ts';

// Test fixtures for the churn model: the CDNOW repeat histories the BG/NBD paper was fitted on (see
// fixtures/README.md), read from the copy in this repository, with the paper's published results
// written once, so tests compare against the paper rather than against numbers this code produced;
// and a seeded PRNG for simulated customer bases that are the same on every run.

export interface CdnowCustomer extends RepeatHistory {
  customerId: string;
}

/** The BG/NBD results Fader, Hardie & Lee (2005) report for CDNOW (time unit: weeks). */
export const CDNOW_PUBLISHED = {
  params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
  logLikelihood: -9582.4,
  /** Customer 0001: expected purchases in the 39 weeks after the calibration period. */
  customer0001NextPurchases: { customerId: '0001', horizonWeeks: 39, expected: 1.226 },
} as const;

const FIXTURE = new URL('./fixtures/cdnow_summary.csv', import.meta.url);

/** Every customer of the sample, in file order; throws on any malformed line rather than skip it. */
export function readCdnowCustomers(): CdnowCustomer[] {
  const [header, ...lines] = readFileSync(FIXTURE, 'utf8').trimEnd().split('\n');
  if (header !== 'customer_id,x,t_x,T') throw new Error(`unexpected CDNOW header: ${header}`);
  return lines.map((line, i) => {
    const [customerId, x, tx, T, ...rest] = line.split(',');
    const numbers = [x, tx, T].map(Number);
    if (
      customerId === undefined ||
      rest.length > 0 ||
      numbers.some((n) => !Number.isFinite(n)) ||
      [x, tx, T].some((v) => v === undefined || v === '')
    ) {
      throw new Error(`malformed CDNOW line ${i + 2}: ${line}`);
    }
    return { customerId, x: numbers[0] as number, tx: numbers[1] as number, T: numbers[2] as number };
  });
}

/** mulberry32: a tiny deterministic PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
