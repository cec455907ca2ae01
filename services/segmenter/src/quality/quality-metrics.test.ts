import { describe, expect, it } from 'vitest';
import { DAY_MS, gapsOf, median, recencyAlerts, scoreDetector, tierAgreement, type ChurnTruth } from './quality-metrics.ts';

const day = (n: number) => n * DAY_MS;
const window = { end: day(365), minObservedDays: 60, earlyGraceDays: 14 };
const churned = (customerId: string, at: number | null, more: Partial<ChurnTruth> = {}): ChurnTruth => ({ customerId, churnedAt: at, ...more });
/** One episode per time, raised once. */
const episodes = (entries: Array<[string, number[]]>) => new Map(entries.map(([id, times]) => [id, times.map((t) => [t])]));

describe('scoring a churn detector per episode against the true churn times', () => {
  it('counts a churn caught after it happened, and its delay', () => {
    const f = scoreDetector(episodes([['a', [day(130)]]]), [churned('a', day(100))], window);
    expect(f).toMatchObject({ episodes: 1, rightEpisodes: 1, trulyChurned: 1, detected: 1, recall: 1, precision: 1, medianDelayDays: 30 });
  });

  it('accepts an episode up to 14 days before the last order, or from the start of the decline', () => {
    const truth = [churned('early', day(100)), churned('tooEarly', day(100)), churned('declining', day(100), { declineStartedAt: day(40) })];
    const f = scoreDetector(episodes([['early', [day(86)]], ['tooEarly', [day(85)]], ['declining', [day(50)]]]), truth, window);
    expect(f).toMatchObject({ detected: 2, episodes: 3, rightEpisodes: 2 });
    expect(f.medianLeadServiceDays).toBeNull();
  });

  it('counts every false episode against precision, also a churner\'s early one', () => {
    const f = scoreDetector(episodes([['a', [day(10), day(120)]], ['loyal', [day(50), day(200)]]]), [churned('a', day(100)), churned('loyal', null)], { ...window, start: day(0) });
    expect(f).toMatchObject({ episodes: 4, rightEpisodes: 1, precision: 0.25, recall: 1, medianDelayDays: 20, nonChurnersAlerted: 1, nonChurnersAlertedShare: 1 });
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
    const f = scoreDetector(episodes([['late', [day(320)]], ['caught', [day(110)]]]), [churned('late', day(310)), churned('missed', day(200)), churned('caught', day(100))], window);
    expect(f).toMatchObject({ trulyChurned: 2, detected: 1, recall: 0.5, rightEpisodes: 2, precision: 1 });
    expect(f.medianDelayDays).toBeNull(); // (10 + ∞) / 2
  });

  it('splits the delay by the customer\'s rhythm, and measures the lead before service-driven churn', () => {
    const truth = [
      churned('fast', day(100), { medianGapDays: 3, p90GapDays: 6 }),
      churned('slow', day(100), { medianGapDays: 40, p90GapDays: 60, cause: 'service', declineStartedAt: day(70) }),
    ];
    const f = scoreDetector(episodes([['fast', [day(115)]], ['slow', [day(80)]]]), truth, window);
    expect(f).toMatchObject({ medianDelayFrequentDays: 15, infrequentWithinGaps: 1, medianLeadServiceDays: 20 });
  });

  it('scores only episodes raised inside the span', () => {
    const f = scoreDetector(episodes([['a', [day(50)]], ['b', [day(250)]]]), [churned('a', null), churned('b', null)], { ...window, start: day(200) });
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

describe('a customer\'s gaps', () => {
  it('takes the median and 90th percentile of the gaps between ordering days before a time', () => {
    const times = [0, 2, 4, 6, 8, 10, 20, 30, 40, 50, 72, 200].map(day);
    expect(gapsOf(times, day(100))).toEqual({ medianGapDays: 6, p90GapDays: 10 });
    expect(gapsOf([day(1)], day(50))).toEqual({});
  });
});

describe('value tier agreement', () => {
  it('counts agreement and fills the confusion matrix by true tier', () => {
    const t = tierAgreement([{ truth: 'high', segment: 'high' }, { truth: 'medium', segment: 'high' }, { truth: 'low', segment: 'low' }, { truth: 'medium', segment: 'medium' }]);
    expect(t.agreeing).toBe(3);
    expect(t.share).toBe(0.75);
    expect(t.confusion).toEqual({ high: { high: 1 }, medium: { high: 1, medium: 1 }, low: { low: 1 } });
  });
});
