import { describe, expect, it } from 'vitest';
import { churnTruthOf } from './history-truth.ts';

const DAY = 86_400_000;
const at = (...days: number[]) => days.map((d) => d * DAY + 3_600_000);

describe("churn in a company's own history", () => {
  it("is the last order before a silence of at least 90 days and 3 × the customer's own 90th-percentile gap", () => {
    // Weekly for 20 weeks, then silent to the end.
    const orders = at(...Array.from({ length: 20 }, (_, i) => i * 7));
    expect(churnTruthOf('a', orders, 400 * DAY)).toMatchObject({ churnedAt: 133 * DAY + 3_600_000, wonBackAt: null, p90GapDays: 7 });
    // The same silence with the end only 80 days after the last order: not (yet) a churn.
    expect(churnTruthOf('a', orders, 213 * DAY)).toEqual({ customerId: 'a', churnedAt: null });
  });

  it("scales with the customer's rhythm: a customer ordering every 50 days churns after 150 silent days, not 90", () => {
    const orders = at(0, 50, 100, 150, 200, 250);
    expect(churnTruthOf('b', orders, 380 * DAY).churnedAt).toBeNull();
    expect(churnTruthOf('b', orders, 401 * DAY).churnedAt).toBe(250 * DAY + 3_600_000);
    // A 120-day gap widens the rhythm: the 90th-percentile gap is then 120, and churn needs 360 silent days.
    expect(churnTruthOf('b', [...orders, ...at(370)], 700 * DAY).churnedAt).toBeNull();
    expect(churnTruthOf('b', [...orders, ...at(370)], 731 * DAY).churnedAt).toBe(370 * DAY + 3_600_000);
  });

  it('records a return as won back', () => {
    const orders = at(0, 7, 14, 21, 28, 200, 207);
    expect(churnTruthOf('c', orders, 300 * DAY)).toMatchObject({ churnedAt: 28 * DAY + 3_600_000, wonBackAt: 200 * DAY + 3_600_000 });
  });
});
