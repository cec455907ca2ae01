import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  gapsOf,
  median,
  recencyAlerts,
  scoreDetector,
  tierAgreement,
  timelinessCeiling,
  type ChurnTruth,
} from './quality-metrics.ts';

const day = (n: number) => n * DAY_MS;
const window = { end: day(365), minObservedDays: 60, earlyGraceDays: 14 };
const churned = (customerId: string, at: number | null, more: Partial<ChurnTruth> = {}): ChurnTruth => ({
  customerId,
  churnedAt: at,
  ...more,
});
/** One episode per time, raised once. */
const episodes = (entries: Array<[string, number[]]>) => new Map(entries.map(([id, times]) => [id, times.map((t) => [t])]));

describe('scoring a churn detector per episode against the true churn times', () => {
  it('counts a churn caught after it happened, and its delay', () => {
    const f = scoreDetector(episodes([['a', [day(130)]]]), [churned('a', day(100))], window);
    expect(f).toMatchObject({ episodes: 1, rightEpisodes: 1, trulyChurned: 1, detected: 1, recall: 1, precision: 1, medianDelayDays: 30 });
  });

  it('accepts an episode up to 14 days before the last order, or from the start of the decline', () => {
    const truth = [
      churned('early', day(100)),
      churned('tooEarly', day(100)),
      churned('declining', day(100), { declineStartedAt: day(40) }),
    ];
    const f = scoreDetector(
      episodes([
        ['early', [day(86)]],
        ['tooEarly', [day(85)]],
        ['declining', [day(50)]],
      ]),
      truth,
      window,
    );
    expect(f).toMatchObject({ detected: 2, episodes: 3, rightEpisodes: 2 });
    expect(f.medianLeadServiceDays).toBeNull();
  });

  it("counts every false episode against precision, also a churner's early one", () => {
    const f = scoreDetector(
      episodes([
        ['a', [day(10), day(120)]],
        ['loyal', [day(50), day(200)]],
      ]),
      [churned('a', day(100)), churned('loyal', null)],
      { ...window, start: day(0) },
    );
    expect(f).toMatchObject({
      episodes: 4,
      rightEpisodes: 1,
      precision: 0.25,
      recall: 1,
      medianDelayDays: 20,
      nonChurnersAlerted: 1,
      nonChurnersAlertedShare: 1,
    });
    expect(f.episodesPerNonChurnerYear).toBeCloseTo(2, 5);
  });

  it('credits an episode opened early that escalates during the decline, timed from that escalation', () => {
    const f = scoreDetector(new Map([['a', [[day(10), day(110)]]]]), [churned('a', day(100))], window);
    expect(f).toMatchObject({ episodes: 1, rightEpisodes: 1, medianDelayDays: 10 });
  });

  it('does not credit an episode after the customer came back', () => {
    const f = scoreDetector(episodes([['a', [day(200)]]]), [churned('a', day(100), { wonBackAt: day(180) })], window);
    expect(f).toMatchObject({ detected: 0, rightEpisodes: 0, recall: 0 });
  });

  it('leaves churns too close to the end out of recall, and counts an undetected churner as never', () => {
    const f = scoreDetector(
      episodes([
        ['late', [day(320)]],
        ['caught', [day(110)]],
      ]),
      [churned('late', day(310)), churned('missed', day(200)), churned('caught', day(100))],
      window,
    );
    expect(f).toMatchObject({ trulyChurned: 2, detected: 1, recall: 0.5, rightEpisodes: 2, precision: 1 });
    expect(f.medianDelayDays).toBeNull(); // (10 + ∞) / 2
  });

  it("splits the delay by the customer's rhythm, and measures the lead before service-driven churn", () => {
    const truth = [
      churned('fast', day(100), { medianGapDays: 3, p90GapDays: 6 }),
      churned('slow', day(100), { medianGapDays: 40, p90GapDays: 60, cause: 'service', declineStartedAt: day(70) }),
    ];
    const f = scoreDetector(
      episodes([
        ['fast', [day(115)]],
        ['slow', [day(80)]],
      ]),
      truth,
      window,
    );
    expect(f).toMatchObject({ medianDelayFrequentDays: 15, infrequentWithinGaps: 1, medianLeadServiceDays: 20 });
  });

  it('scores only episodes raised inside the span', () => {
    const f = scoreDetector(
      episodes([
        ['a', [day(50)]],
        ['b', [day(250)]],
      ]),
      [churned('a', null), churned('b', null)],
      { ...window, start: day(200) },
    );
    expect(f).toMatchObject({ episodes: 1, nonChurnersAlerted: 1 });
  });

  it('has no figures when nothing fired and nobody churned', () => {
    expect(scoreDetector(new Map(), [churned('a', null)], window)).toMatchObject({ recall: null, precision: null, medianDelayDays: null });
  });

  it('takes the median', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe('the recency-only baseline', () => {
  it('alerts N days after an order when no order came in between, each gap once', () => {
    expect(recencyAlerts([day(100), day(10), day(200)], 60, day(365))).toEqual([[day(70)], [day(160)], [day(260)]]);
  });

  it('stays silent when the next order comes in time or the span ends first', () => {
    expect(recencyAlerts([day(10), day(69), day(320)], 60, day(365))).toEqual([[day(129)]]);
    expect(recencyAlerts([], 60, day(365))).toEqual([]);
    expect(recencyAlerts([day(305)], 60, day(365))).toEqual([]);
  });
});

describe("a customer's gaps", () => {
  it('takes the median and 90th percentile of the gaps between ordering days before a time', () => {
    const times = [0, 2, 4, 6, 8, 10, 20, 30, 40, 50, 72, 200].map(day);
    expect(gapsOf(times, day(100))).toEqual({ medianGapDays: 6, p90GapDays: 10 });
    expect(gapsOf([day(1)], day(50))).toEqual({});
  });
});

describe('value tier agreement', () => {
  it('counts agreement and fills the confusion matrix by true tier', () => {
    const t = tierAgreement([
      { truth: 'high', segment: 'high' },
      { truth: 'medium', segment: 'high' },
      { truth: 'low', segment: 'low' },
      { truth: 'medium', segment: 'medium' },
    ]);
    expect(t.agreeing).toBe(3);
    expect(t.share).toBe(0.75);
    expect(t.confusion).toEqual({ high: { high: 1 }, medium: { high: 1, medium: 1 }, low: { low: 1 } });
  });
});

describe('what the history allows any detector', () => {
  it('counts the silences that reached the target delay, and which of them were a churn', () => {
    // A weekly customer with one 30-day gap that was not a churn, then a churn at day 200;
    // a monthly customer (90th-percentile gap 40: 60 days of silence judged) whose one long gap was not a churn.
    const weekly = [...Array.from({ length: 10 }, (_, i) => day(7 * i)), day(93), day(100), day(200)];
    const monthly = [day(0), day(30), day(60), day(130), day(160)];
    const truth = [
      churned('weekly', day(200), { medianGapDays: 7, p90GapDays: 30 }),
      churned('monthly', null, { medianGapDays: 30, p90GapDays: 40 }),
    ];
    const c = timelinessCeiling(
      new Map([
        ['weekly', weekly],
        ['monthly', monthly],
      ]),
      truth,
      { ...window, start: day(0) },
    );
    // weekly: 63 → 93 and 100 → 200 reached 21 days; 200 → end did, as the churn.
    expect(c).toMatchObject({ frequentSilences: 3, frequentChurnSilences: 1, otherSilences: 2, otherChurnSilences: 0 });
  });

  it('leaves out a churn too close to the end, and gives the lead an alert at the first failure would have', () => {
    const truth = [
      churned('late', day(330), { medianGapDays: 5 }),
      churned('warned', day(100), { medianGapDays: 5, cause: 'service', declineStartedAt: day(90) }),
      churned('after', day(120), { medianGapDays: 5, cause: 'service', declineStartedAt: day(124) }),
      churned('unknown', day(150), { medianGapDays: 5, cause: 'service', declineStartedAt: null }),
    ];
    const orders = new Map([
      ['late', [day(325), day(330)]],
      ['warned', [day(100)]],
      ['after', [day(120)]],
      ['unknown', [day(150)]],
    ]);
    const c = timelinessCeiling(orders, truth, { ...window, start: day(0) });
    expect(c).toMatchObject({ frequentSilences: 3, frequentChurnSilences: 3 });
    expect(c.serviceFirstSignLeadDays).toBe(-4);
  });
});
