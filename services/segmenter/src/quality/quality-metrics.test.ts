import { describe, expect, it } from 'vitest';
import { DAY_MS, median, recencyAlerts, scoreDetector, tierAgreement, type ChurnTruth } from './quality-metrics.ts';

const day = (n: number) => n * DAY_MS;
const window = { end: day(365), minObservedDays: 60, earlyGraceDays: 14 };
const churned = (customerId: string, at: number | null): ChurnTruth => ({ customerId, churnedAt: at });

describe('scoring a churn detector against the true churn times', () => {
  it('counts a churn caught after it happened, and its delay', () => {
    const f = scoreDetector(new Map([['a', [day(130)]]]), [churned('a', day(100))], window);
    expect(f).toMatchObject({ alerted: 1, trulyChurned: 1, detected: 1, recall: 1, precision: 1, medianDelayDays: 30 });
  });

  it('accepts an alert up to 14 days early, not earlier', () => {
    const truth = [churned('early', day(100)), churned('tooEarly', day(100))];
    const f = scoreDetector(new Map([['early', [day(86)]], ['tooEarly', [day(85)]]]), truth, window);
    expect(f.detected).toBe(1);
    expect(f.recall).toBe(0.5);
    expect(f.precision).toBe(0.5);
    expect(f.medianDelayDays).toBe(-14);
  });

  it('does not let an early false alarm hide a later detection, and times it from the later alert', () => {
    const f = scoreDetector(new Map([['a', [day(10), day(120)]]]), [churned('a', day(100))], window);
    expect(f.detected).toBe(1);
    expect(f.medianDelayDays).toBe(20);
  });

  it('times a detection from the first alert inside the window', () => {
    const f = scoreDetector(new Map([['a', [day(150), day(95), day(120)]]]), [churned('a', day(100))], window);
    expect(f.medianDelayDays).toBe(-5);
  });

  it('counts an alert for a customer that never churned as a false positive', () => {
    const f = scoreDetector(new Map([['loyal', [day(50)]], ['gone', [day(140)]]]), [churned('loyal', null), churned('gone', day(100))], window);
    expect(f).toMatchObject({ alerted: 2, detected: 1, recall: 1, precision: 0.5 });
  });

  it('leaves churns too close to the end out of recall, but counts their alerts as false', () => {
    const f = scoreDetector(new Map([['late', [day(320)]]]), [churned('late', day(310)), churned('missed', day(200))], window);
    expect(f).toMatchObject({ trulyChurned: 1, detected: 0, recall: 0, precision: 0, alertedLateChurners: 1, medianDelayDays: null });
  });

  it('has no figures when nothing fired and nobody churned', () => {
    expect(scoreDetector(new Map(), [churned('a', null)], window)).toMatchObject({ recall: null, precision: null, medianDelayDays: null });
  });

  it('takes the median over detected customers', () => {
    const truth = [churned('a', day(100)), churned('b', day(100)), churned('c', day(100))];
    const f = scoreDetector(new Map([['a', [day(110)]], ['b', [day(130)]], ['c', [day(190)]]]), truth, window);
    expect(f.medianDelayDays).toBe(30);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe('the recency-only baseline', () => {
  it('alerts N days after an order when no order came in between, each gap once', () => {
    expect(recencyAlerts([day(100), day(10), day(200)], 60, day(365))).toEqual([day(70), day(160), day(260)]);
  });

  it('stays silent when the next order comes in time or the span ends first', () => {
    expect(recencyAlerts([day(10), day(69), day(320)], 60, day(365))).toEqual([day(129)]);
    expect(recencyAlerts([], 60, day(365))).toEqual([]);
  });

  it('does not alert at the very end of the span (it is exclusive)', () => {
    expect(recencyAlerts([day(305)], 60, day(365))).toEqual([]);
    expect(recencyAlerts([day(304)], 60, day(365))).toEqual([day(364)]);
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
